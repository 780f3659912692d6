// Command mutcase tests the mutants that gremlins v0.6.0 cannot: those in
// the expressions of a switch's case clauses. gremlins decides whether a
// mutant is covered from `go test -cover`'s blocks, and Go's coverage
// counts a case clause's body but not its expressions, so every mutant of
// `case a < b:` is reported NOT COVERED, however many tests run it, and is
// never tested. mutcase applies each NOT COVERED mutant that lies in a
// case clause's expression list again, one at a time, as gremlins does (the
// operator at its position replaced by gremlins' mapping for its type),
// runs the package's tests (the GOFLAGS of the environment, so the -run and
// -skip that scripts/mutate.sh gives gremlins apply), restores the source,
// and rewrites the mutant's status: KILLED when a test fails, LIVED when
// they pass, TIMED OUT past -timeout-coefficient times the unmutated run,
// NOT VIABLE when the package does not build. Other NOT COVERED mutants stay as they are: no test reaches
// their line.
//
// Usage (from the module root, on the source the result was made from):
//
//	go run ./scripts/mutcase -pkg internal/validate mutate-out/internal_validate.sql.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/samo-brain/samo/scripts/internal/mutresult"
)

// mutations are gremlins' replacements for the mutant types it enables by
// default (internal/engine/mappings.go of v0.6.0).
var mutations = map[string]map[token.Token]token.Token{
	"ARITHMETIC_BASE":       {token.ADD: token.SUB, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL, token.SUB: token.ADD},
	"CONDITIONALS_BOUNDARY": {token.GEQ: token.GTR, token.GTR: token.GEQ, token.LEQ: token.LSS, token.LSS: token.LEQ},
	"CONDITIONALS_NEGATION": {token.EQL: token.NEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR, token.LSS: token.GEQ, token.NEQ: token.EQL},
	"INCREMENT_DECREMENT":   {token.DEC: token.INC, token.INC: token.DEC},
	"INVERT_NEGATIVES":      {token.SUB: token.ADD},
}

// caseOperators returns the offsets of the operators (binary, unary and
// ++/--) inside the expressions of src's case clauses.
func caseOperators(src []byte) (map[int]token.Token, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	ops := map[int]token.Token{}
	ast.Inspect(f, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		for _, e := range cc.List {
			ast.Inspect(e, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BinaryExpr:
					ops[fset.Position(x.OpPos).Offset] = x.Op
				case *ast.UnaryExpr:
					ops[fset.Position(x.OpPos).Offset] = x.Op
				}
				return true
			})
		}
		return true
	})
	return ops, nil
}

// offset returns the byte offset of 1-based line and column in src, or -1.
func offset(src []byte, line, col int) int {
	l := 1
	for i := range src {
		if l == line {
			if i+col-1 < len(src) {
				return i + col - 1
			}
			return -1
		}
		if src[i] == '\n' {
			l++
		}
	}
	return -1
}

// mutate returns src with the case-clause operator at line:col replaced as
// gremlins' mutant type typ replaces it, or false when there is no such
// operator there.
func mutate(src []byte, line, col int, typ string) ([]byte, bool) {
	ops, err := caseOperators(src)
	if err != nil {
		return nil, false
	}
	off := offset(src, line, col)
	op, ok := ops[off]
	if !ok {
		return nil, false
	}
	to, ok := mutations[typ][op]
	if !ok {
		return nil, false
	}
	out := make([]byte, 0, len(src)+1)
	out = append(out, src[:off]...)
	out = append(out, to.String()...)
	return append(out, src[off+len(op.String()):]...), true
}

// tester runs the package's tests.
type tester struct {
	pkg     string
	timeout time.Duration // 0 until the unmutated run has set it
}

// status builds the package and runs its tests, and names the outcome as
// gremlins does.
func (t tester) status() string {
	if exec.Command("go", "build", "./"+t.pkg).Run() != nil { // #nosec G204 -- a developer tool building the package it was given
		return "NOT VIABLE"
	}
	ctx := context.Background()
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	err := exec.CommandContext(ctx, "go", "test", "-count=1", "./"+t.pkg).Run() // #nosec G204 -- as above
	switch {
	case ctx.Err() != nil:
		return "TIMED OUT"
	case err != nil:
		return "KILLED"
	}
	return "LIVED"
}

func run(pkg, path string, coefficient float64) (map[string]int, error) {
	t := tester{pkg: pkg}
	start := time.Now()
	if s := t.status(); s != "LIVED" {
		return nil, errors.New("the unmutated package does not pass its tests: " + s)
	}
	t.timeout = time.Duration(coefficient * float64(time.Since(start)))
	counts := map[string]int{}
	err := mutresult.Rewrite(path, func(m *mutresult.Mutant) error {
		if m.Status != "NOT COVERED" {
			return nil
		}
		src := filepath.Join(pkg, m.File)
		orig, err := os.ReadFile(src) // #nosec G304 -- a source file of the package
		if err != nil {
			return err
		}
		mutated, ok := mutate(orig, m.Line, m.Column, m.Type)
		if !ok {
			return nil
		}
		var s string
		if err := mutresult.Try(src, orig, mutated, func() { s = t.status() }); err != nil {
			return err
		}
		m.Status = s
		counts[s]++
		fmt.Printf("%s: %s:%d:%d %s\n", s, src, m.Line, m.Column, m.Type)
		return nil
	})
	return counts, err
}

func main() {
	pkg := flag.String("pkg", "", "package directory the result is for, e.g. internal/validate")
	coefficient := flag.Float64("timeout-coefficient", 10, "a mutant whose build and tests take this many times as long as the unmutated package's is TIMED OUT")
	flag.Parse()
	if *pkg == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mutcase -pkg internal/PKG [-timeout-coefficient N] RESULT.json")
		os.Exit(2)
	}
	counts, err := run(*pkg, flag.Arg(0), *coefficient)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutcase:", err)
		os.Exit(1)
	}
	fmt.Printf("mutcase: %s: case-clause mutants tested: %d killed, %d lived, %d timed out, %d not viable\n",
		*pkg, counts["KILLED"], counts["LIVED"], counts["TIMED OUT"], counts["NOT VIABLE"])
}
