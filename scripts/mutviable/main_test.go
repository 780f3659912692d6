package main

import "testing"

func TestMutate(t *testing.T) {
	for _, c := range []struct {
		line string
		col  int
		want string
		ok   bool
	}{
		{`x := a + b`, 8, `x := a - b`, true},
		{`x := a * b`, 8, `x := a / b`, true},
		{`x := a % b`, 8, `x := a * b`, true},
		{`s := "a" + "b"`, 10, `s := "a" - "b"`, true},
		{`x += 1`, 3, "", false},
		{`x++`, 2, "", false},
		{`x := a`, 3, "", false},
		{`x`, 9, "", false},
	} {
		got, ok := mutate(c.line, c.col)
		if got != c.want || ok != c.ok {
			t.Errorf("mutate(%q, %d) = %q, %v; want %q, %v", c.line, c.col, got, ok, c.want, c.ok)
		}
	}
}
