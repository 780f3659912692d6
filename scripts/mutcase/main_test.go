package main

import "testing"

const src = `package p

func f(a, b int) int {
	switch {
	case a < b, -a == b:
		return a + b
	case a >= b && b != 0:
		return a - b
	}
	if a <= b {
		return -a
	}
	return 0
}
`

func TestMutate(t *testing.T) {
	for _, c := range []struct {
		line, col int
		typ       string
		want      string // the line after the mutation, "" for none
	}{
		{5, 9, "CONDITIONALS_NEGATION", "\tcase a >= b, -a == b:"},
		{5, 9, "CONDITIONALS_BOUNDARY", "\tcase a <= b, -a == b:"},
		{5, 14, "INVERT_NEGATIVES", "\tcase a < b, +a == b:"},
		{5, 14, "ARITHMETIC_BASE", "\tcase a < b, +a == b:"},
		{5, 17, "CONDITIONALS_NEGATION", "\tcase a < b, -a != b:"},
		{7, 9, "CONDITIONALS_NEGATION", "\tcase a < b && b != 0:"},
		{7, 9, "CONDITIONALS_BOUNDARY", "\tcase a > b && b != 0:"},
		{7, 19, "CONDITIONALS_NEGATION", "\tcase a >= b && b == 0:"},
		{7, 14, "CONDITIONALS_NEGATION", ""}, // && is not mutated by default
		{6, 12, "ARITHMETIC_BASE", ""},       // a case body: gremlins covers it
		{10, 7, "CONDITIONALS_NEGATION", ""}, // an if condition: gremlins covers it
		{5, 9, "INCREMENT_DECREMENT", ""},    // no such mutation of <
		{5, 8, "CONDITIONALS_NEGATION", ""},  // not at the operator
		{99, 1, "CONDITIONALS_NEGATION", ""},
	} {
		out, ok := mutate([]byte(src), c.line, c.col, c.typ)
		got := ""
		if ok {
			got = lineOf(string(out), c.line)
		}
		if got != c.want || ok != (c.want != "") {
			t.Errorf("mutate(%d:%d %s) = %q, %v; want %q", c.line, c.col, c.typ, got, ok, c.want)
		}
	}
}

func lineOf(s string, n int) string {
	for l := 1; ; l++ {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if l == n {
			return s[:i]
		}
		if i == len(s) {
			return ""
		}
		s = s[i+1:]
	}
}
