package validate

import "testing"

// scanFinding runs scan on one already lower-cased line and returns its
// finding of class c (the zero Detection when it reports nothing).
func scanFinding(scan func(*findings, string), c Class, l string) Detection {
	var f findings
	scan(&f, l)
	return f[classIndex(c)]
}

// detectFinding runs detect on newInput(s) and returns its finding of
// class c (the zero Detection when it reports nothing).
func detectFinding(detect func(*findings, *input), c Class, s string) Detection {
	var f findings
	detect(&f, newInput(s))
	return f[classIndex(c)]
}

// sameInput returns an input whose raw and decoded texts are both s, so a
// detector sees s exactly once, undecoded.
func sameInput(s string) *input {
	l := asciiLower(s)
	return &input{raw: s, dec: s, lower: l, rawLower: l}
}

// noPanic calls fn and turns a panic into a test error, so that an
// out-of-range index (as a mutated bound causes) fails one case instead of
// the whole test binary.
func noPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	fn()
}
