package token

import (
	"crypto/rsa"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// Issue accepts exactly maxPermissions permissions (TestIssueInput refuses
// one more).
func TestIssueMostPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	perms := make([]string, maxPermissions)
	for i := range perms {
		perms[i] = "p"
	}
	if _, c, err := f.hs.Issue("u", perms); err != nil || len(c.Permissions) != maxPermissions {
		t.Errorf("Issue with %d permissions: %v", maxPermissions, err)
	}
}

// A token of exactly MaxTokenBytes is issued and accepted; with a bound one
// byte lower, Issue and Verify refuse it.
func TestMaxTokenBytesIncluded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Long enough to be over minTokenBytes; the same claims (clock fixed,
	// jti of fixed length) give the same token length every time.
	perms := make([]string, 16)
	for i := range perms {
		perms[i] = strings.Repeat(string(rune('a'+i)), 60)
	}
	tok, _, err := f.hs.Issue("user-1", perms)
	if err != nil {
		t.Fatal(err)
	}
	n := len(tok)
	exact := mustIssuer(t, Config{MaxTokenBytes: n}, f.hs.KeySet())
	tok, _, err = exact.Issue("user-1", perms)
	if err != nil || len(tok) != n {
		t.Fatalf("Issue under a bound of exactly its length (%d): %d bytes, %v", n, len(tok), err)
	}
	if _, err := exact.Verify(tok, t0); err != nil {
		t.Errorf("Verify of a token of exactly MaxTokenBytes: %v", err)
	}
	under := mustIssuer(t, Config{MaxTokenBytes: n - 1}, f.hs.KeySet())
	if _, _, err := under.Issue("user-1", perms); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Issue over MaxTokenBytes = %v, want ErrInvalidInput", err)
	}
	if _, err := under.Verify(tok, t0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Verify over MaxTokenBytes = %v, want ErrTooLarge", err)
	}
}

// The shape (three segments) is checked before the header: a
// token with a fourth segment is malformed even when its header would be
// refused, and an empty payload segment is refused only after the header.
func TestVerifyShapeBeforeHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	none := b64(`{"alg":"ES256","kid":"` + f.hsKID + `"}`) // refused: HS256 only
	pay := b64(obj(baseClaims()))
	for _, tc := range []struct {
		name, tok string
		want      error
	}{
		{"four segments, the last two empty", none + "." + pay + "..", ErrMalformed},
		{"four segments, all empty", "...", ErrMalformed},
		{"empty payload after a refused header", none + "..c2ln", ErrAlgorithm},
	} {
		if _, err := f.hs.Verify(tc.tok, t0); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// rsaPublicOfBits returns an RSA public key whose modulus has exactly bits
// bits. Only the key's size is under test, so the modulus need not be a
// product of two primes (generating an 8192-bit key takes minutes).
func rsaPublicOfBits(bits int) *rsa.PublicKey {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	return &rsa.PublicKey{N: n.Add(n, big.NewInt(1)), E: 65537}
}

// RSA keys of minRSABits to maxRSABits bits are accepted, the bounds
// included; one bit more or less is refused.
func TestRSAKeySizeBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		bits int
		ok   bool
	}{{minRSABits - 1, false}, {minRSABits, true}, {maxRSABits, true}, {maxRSABits + 1, false}} {
		k, err := newPublicKey(RS256, rsaPublicOfBits(c.bits))
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrKey) {
			t.Errorf("%d-bit RSA key: %v, want ok=%v", c.bits, err, c.ok)
		}
		if c.ok && k.sigLen != c.bits/8 {
			t.Errorf("%d-bit RSA key: signature length %d, want %d", c.bits, k.sigLen, c.bits/8)
		}
	}
}
