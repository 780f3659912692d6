package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// sentinels are the errors Verify may wrap; each rejection wraps exactly one.
var verifySentinels = []error{
	ErrTooLarge, ErrMalformed, ErrHeader, ErrAlgorithm, ErrUnknownKey, ErrClaims,
	ErrIssuer, ErrAudience, ErrExpired, ErrNotYetValid, ErrLifetime, ErrSignature,
}

func TestVerifyTable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	base := baseClaims()
	valid := f.signHS(base)
	hdr := f.hsHeader()
	pay := obj(base)
	hsWith := func(header string) string { return jwtHS(header, pay, f.cur) }
	segs := strings.Split(valid, ".")
	// A signature whose last character carries non-zero trailing bits: a
	// lax decoder maps it to the same bytes, a strict one must refuse it.
	sig := segs[2]
	sigBytes, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	lax := sig[:len(sig)-1] + string(sig[len(sig)-1]+1)
	edHeader := `{"alg":"EdDSA","kid":"` + f.edIss.KeySet().SigningKeyID() + `","typ":"JWT"}`
	esHeader := `{"alg":"ES256","kid":"` + f.esIss.KeySet().SigningKeyID() + `","typ":"JWT"}`
	rsHeader := `{"alg":"RS256","kid":"` + f.rsIss.KeySet().SigningKeyID() + `","typ":"JWT"}`
	psHeader := `{"alg":"PS256","kid":"` + f.psIss.KeySet().SigningKeyID() + `","typ":"JWT"}`
	// HS/RS confusion: an HS256 token whose "secret" is the RSA public key
	// PEM, with the RSA key's kid, presented to the RS256 verifier.
	confused := jwtHS(`{"alg":"HS256","kid":"`+f.rsIss.KeySet().SigningKeyID()+`","typ":"JWT"}`, pay, f.rsaPublicKeyPEM)
	_, otherEd, _ := ed25519.GenerateKey(nil)

	cases := []struct {
		name string
		iss  *Issuer // nil: f.hs
		tok  string
		want error // nil: valid
	}{
		// Valid controls.
		{"valid", nil, valid, nil},
		{"valid issued by Issue", nil, mustIssue(t, f.hs), nil},
		{"valid aud array containing ours", nil, f.signHS(with(base, "aud", `["other","samo-api"]`)), nil},
		{"valid nbf in the past", nil, f.signHS(with(base, "nbf", unix(t0.Add(-time.Minute)))), nil},
		{"valid nbf at leeway edge", nil, f.signHS(with(base, "nbf", unix(t0.Add(30*time.Second)))), nil},
		{"valid iat within leeway", nil, f.signHS(with(with(base, "iat", unix(t0.Add(20*time.Second))), "exp", unix(t0.Add(time.Hour)))), nil},
		{"valid exp one second ahead", nil, f.signHS(with(base, "exp", unix(t0.Add(time.Second)))), nil},
		{"valid lifetime exactly max", nil, f.signHS(with(with(base, "iat", unix(t0.Add(-time.Hour))), "exp", unix(t0.Add(23*time.Hour)))), nil},
		{"valid previous key", nil, jwtHS(`{"alg":"HS256","kid":"`+f.prevKID+`"}`, pay, f.prev), nil},
		{"valid without typ", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `"}`), nil},
		{"valid empty permissions", nil, f.signHS(with(base, "permissions", `[]`)), nil},
		{"valid fam and api_key_id", nil, f.signHS(with(with(base, "fam", `"famFAMfam_-1"`), "api_key_id", `"key-7"`)), nil},
		{"valid JSON whitespace", nil, jwtHS(hdr, " {\n\t\"iss\" : \"samo\" ,"+obj(without(base, "iss"))[1:]+"\n", f.cur), nil},
		{"valid escaped claim name", nil, f.signHS(append(without(base, "user_id"), kv{`\u0075ser_id`, `"user-1"`})), nil},
		{"valid EdDSA", f.edIss, signAsym(t, EdDSA, f.ed, edHeader, pay), nil},
		{"valid ES256", f.esIss, signAsym(t, ES256, f.ec, esHeader, pay), nil},
		{"valid RS256", f.rsIss, signAsym(t, RS256, f.rsa, rsHeader, pay), nil},
		{"valid PS256", f.psIss, signAsym(t, PS256, f.rsa, psHeader, pay), nil},
		// One RSA key, the other padding: the pinned algorithm decides.
		{"PS256 token to the RS256 verifier", f.rsIss, signAsym(t, PS256, f.rsa, psHeader, pay), ErrAlgorithm},
		{"RS256 token to the PS256 verifier", f.psIss, signAsym(t, RS256, f.rsa, rsHeader, pay), ErrAlgorithm},
		{"PKCS#1 v1.5 signature under a PS256 header", f.psIss, signAsym(t, RS256, f.rsa, psHeader, pay), ErrSignature},
		{"PSS signature under an RS256 header", f.rsIss, signAsym(t, PS256, f.rsa, rsHeader, pay), ErrSignature},

		// Size.
		{"over max bytes", nil, valid + strings.Repeat("A", 8<<10), ErrTooLarge},
		{"signed but huge claim", nil, f.signHS(with(base, "user_id", `"`+strings.Repeat("x", 9000)+`"`)), ErrTooLarge},

		// Shape and strict base64url.
		{"empty", nil, "", ErrMalformed},
		{"one segment", nil, segs[0], ErrMalformed},
		{"two segments", nil, segs[0] + "." + segs[1], ErrMalformed},
		{"four segments", nil, valid + "." + segs[2], ErrMalformed},
		{"JWE five segments", nil, segs[0] + ".." + segs[1] + ".." + segs[2], ErrMalformed},
		{"empty signature", nil, segs[0] + "." + segs[1] + ".", ErrMalformed},
		{"empty header", nil, "." + segs[1] + "." + segs[2], ErrMalformed},
		{"padding in payload", nil, segs[0] + "." + segs[1] + "==." + segs[2], ErrMalformed},
		{"standard base64 plus", nil, segs[0] + "." + segs[1] + "." + strings.ReplaceAll(segs[2][:40], "-", "+") + "+" + segs[2][41:], ErrMalformed},
		{"standard base64 slash", nil, segs[0] + "." + segs[1] + "." + "/" + segs[2][1:], ErrMalformed},
		{"newline inside payload", nil, segs[0] + "." + segs[1][:10] + "\n" + segs[1][10:] + "." + segs[2], ErrMalformed},
		{"CR inside signature", nil, segs[0] + "." + segs[1] + "." + segs[2][:5] + "\r" + segs[2][5:], ErrMalformed},
		{"space inside header", nil, segs[0][:4] + " " + segs[0][4:] + "." + segs[1] + "." + segs[2], ErrMalformed},
		{"leading space", nil, " " + valid, ErrMalformed},
		{"trailing newline", nil, valid + "\n", ErrMalformed},
		{"non-zero trailing bits", nil, segs[0] + "." + segs[1] + "." + lax, ErrMalformed},
		{"segment length 4n+1", nil, segs[0] + "A." + segs[1] + "." + segs[2], ErrMalformed},
		{"header not JSON", nil, jwtHS("alg=HS256", pay, f.cur), ErrMalformed},
		{"header JSON array", nil, jwtHS(`["HS256"]`, pay, f.cur), ErrMalformed},
		{"payload JSON string", nil, jwtHS(hdr, `"claims"`, f.cur), ErrMalformed},
		{"payload two objects", nil, jwtHS(hdr, pay+"{}", f.cur), ErrMalformed},
		{"payload trailing garbage", nil, jwtHS(hdr, pay+" x", f.cur), ErrMalformed},
		{"payload with BOM", nil, jwtHS(hdr, "\ufeff"+pay, f.cur), ErrMalformed},
		{"payload truncated JSON", nil, jwtHS(hdr, pay[:len(pay)-1], f.cur), ErrMalformed},
		{"invalid UTF-8 in claim", nil, f.signHS(with(base, "user_id", "\"user-\xff\"")), ErrMalformed},
		{"invalid UTF-8 in header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + "\",\"typ\":\"J\xc3\"}"), ErrMalformed},
		{"duplicate exp", nil, f.signHS(plus(base, "exp", unix(t0.Add(1000*time.Hour)))), ErrMalformed},
		{"duplicate via escape", nil, f.signHS(plus(base, `\u0065xp`, unix(t0.Add(1000*time.Hour)))), ErrMalformed},
		{"duplicate permissions", nil, f.signHS(plus(base, "permissions", `["admin"]`)), ErrMalformed},
		{"duplicate header alg", nil, hsWith(`{"alg":"HS256","alg":"none","kid":"` + f.hsKID + `"}`), ErrMalformed},

		// Header: algorithm allowlist and parameters.
		{"alg none unsigned", nil, b64(`{"alg":"none","kid":"`+f.hsKID+`"}`) + "." + segs[1] + ".", ErrAlgorithm},
		{"alg none with signature", nil, hsWith(`{"alg":"none","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg None", nil, hsWith(`{"alg":"None","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg NONE", nil, hsWith(`{"alg":"NONE","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg nOnE", nil, hsWith(`{"alg":"nOnE","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg lower-case hs256", nil, hsWith(`{"alg":"hs256","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg HS512", nil, hsWith(`{"alg":"HS512","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg RS256 to HS256 verifier", nil, hsWith(`{"alg":"RS256","kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"HS/RS confusion", f.rsIss, confused, ErrAlgorithm},
		{"ES256 token to EdDSA verifier", f.edIss, signAsym(t, ES256, f.ec, esHeader, pay), ErrAlgorithm},
		{"alg missing", nil, hsWith(`{"kid":"` + f.hsKID + `"}`), ErrAlgorithm},
		{"alg number", nil, hsWith(`{"alg":256,"kid":"` + f.hsKID + `"}`), ErrHeader},
		{"alg null", nil, hsWith(`{"alg":null,"kid":"` + f.hsKID + `"}`), ErrHeader},
		{"kid missing", nil, hsWith(`{"alg":"HS256"}`), ErrHeader},
		{"kid number", nil, hsWith(`{"alg":"HS256","kid":7}`), ErrHeader},
		{"kid unknown", nil, hsWith(`{"alg":"HS256","kid":"no-such-key"}`), ErrUnknownKey},
		{"kid of another algorithm's key", nil, hsWith(`{"alg":"HS256","kid":"` + f.edIss.KeySet().SigningKeyID() + `"}`), ErrUnknownKey},
		{"typ at+jwt", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","typ":"at+jwt"}`), ErrHeader},
		{"typ number", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","typ":1}`), ErrHeader},
		{"crit header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","crit":["exp"]}`), ErrHeader},
		{"b64 false", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","b64":false}`), ErrHeader},
		{"jwk header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","jwk":{"kty":"oct","k":"AAAA"}}`), ErrHeader},
		{"jku header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","jku":"https://evil.example/jwks"}`), ErrHeader},
		{"x5u header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","x5u":"https://evil.example/c"}`), ErrHeader},
		{"x5c header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","x5c":["MIIB"]}`), ErrHeader},
		{"cty JWT (nested)", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","cty":"JWT"}`), ErrHeader},
		{"unknown header", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","foo":"bar"}`), ErrHeader},
		{"case-variant header ALG", nil, hsWith(`{"alg":"HS256","kid":"` + f.hsKID + `","ALG":"none"}`), ErrHeader},
		{"Alg instead of alg", nil, hsWith(`{"Alg":"HS256","kid":"` + f.hsKID + `"}`), ErrHeader},

		// Signature.
		{"wrong secret", nil, jwtHS(hdr, pay, testSecret("attacker")), ErrSignature},
		{"previous kid, current secret", nil, jwtHS(`{"alg":"HS256","kid":"`+f.prevKID+`"}`, pay, f.cur), ErrSignature},
		{"payload swapped", nil, segs[0] + "." + b64(obj(with(base, "user_id", `"admin"`))) + "." + segs[2], ErrSignature},
		{"signature truncated", nil, segs[0] + "." + segs[1] + "." + b64(string(sigBytes[:31])), ErrSignature},
		{"signature extended", nil, segs[0] + "." + segs[1] + "." + b64(string(sigBytes)+"\x00"), ErrSignature},
		{"signature zeros", nil, segs[0] + "." + segs[1] + "." + b64(strings.Repeat("\x00", 32)), ErrSignature},
		{"EdDSA other key", f.edIss, signAsym(t, EdDSA, otherEd, edHeader, pay), ErrSignature},

		// Claims: presence and JSON types.
		{"missing exp", nil, f.signHS(without(base, "exp")), ErrClaims},
		{"missing iat", nil, f.signHS(without(base, "iat")), ErrClaims},
		{"missing iss", nil, f.signHS(without(base, "iss")), ErrClaims},
		{"missing aud", nil, f.signHS(without(base, "aud")), ErrClaims},
		{"missing jti", nil, f.signHS(without(base, "jti")), ErrClaims},
		{"missing user_id", nil, f.signHS(without(base, "user_id")), ErrClaims},
		{"missing permissions", nil, f.signHS(without(base, "permissions")), ErrClaims},
		{"exp string", nil, f.signHS(with(base, "exp", `"`+unix(t0.Add(time.Hour))+`"`)), ErrClaims},
		{"exp fraction", nil, f.signHS(with(base, "exp", unix(t0.Add(time.Hour))+".5")), ErrClaims},
		{"exp exponent", nil, f.signHS(with(base, "exp", "1.8934596e9")), ErrClaims},
		{"exp negative", nil, f.signHS(with(base, "exp", "-1")), ErrClaims},
		{"exp zero", nil, f.signHS(with(base, "exp", "0")), ErrClaims},
		{"exp beyond year 9999", nil, f.signHS(with(base, "exp", "99999999999999999999")), ErrClaims},
		{"exp null", nil, f.signHS(with(base, "exp", "null")), ErrClaims},
		{"exp true", nil, f.signHS(with(base, "exp", "true")), ErrClaims},
		{"iat string", nil, f.signHS(with(base, "iat", `"now"`)), ErrClaims},
		{"nbf array", nil, f.signHS(with(base, "nbf", `[1]`)), ErrClaims},
		{"iss number", nil, f.signHS(with(base, "iss", `1`)), ErrClaims},
		{"iss null", nil, f.signHS(with(base, "iss", `null`)), ErrClaims},
		{"aud number", nil, f.signHS(with(base, "aud", `42`)), ErrClaims},
		{"aud empty array", nil, f.signHS(with(base, "aud", `[]`)), ErrClaims},
		{"aud array with number", nil, f.signHS(with(base, "aud", `["samo-api",1]`)), ErrClaims},
		{"aud object", nil, f.signHS(with(base, "aud", `{"samo-api":true}`)), ErrClaims},
		{"user_id empty", nil, f.signHS(with(base, "user_id", `""`)), ErrClaims},
		{"user_id number", nil, f.signHS(with(base, "user_id", `1`)), ErrClaims},
		{"user_id control character", nil, f.signHS(with(base, "user_id", `"a\u0000b"`)), ErrClaims},
		{"user_id lone surrogate", nil, f.signHS(with(base, "user_id", `"\ud800"`)), ErrMalformed},
		{"permissions string", nil, f.signHS(with(base, "permissions", `"admin"`)), ErrClaims},
		{"permissions number element", nil, f.signHS(with(base, "permissions", `[1]`)), ErrClaims},
		{"permissions null element", nil, f.signHS(with(base, "permissions", `["read_predictions",null]`)), ErrClaims},
		{"permissions nested array", nil, f.signHS(with(base, "permissions", `[["admin"]]`)), ErrClaims},
		{"permissions null", nil, f.signHS(with(base, "permissions", `null`)), ErrClaims},
		{"jti number", nil, f.signHS(with(base, "jti", `12345`)), ErrClaims},
		{"jti with separator", nil, f.signHS(with(base, "jti", `"fam:abc"`)), ErrClaims},
		{"fam not base64url", nil, f.signHS(with(base, "fam", `"a b"`)), ErrClaims},
		{"unknown claim role", nil, f.signHS(with(base, "role", `"admin"`)), ErrClaims},
		{"case variant EXP extra", nil, f.signHS(with(base, "EXP", unix(t0.Add(1000*time.Hour)))), ErrClaims},
		{"case variant Permissions extra", nil, f.signHS(with(base, "Permissions", `["admin"]`)), ErrClaims},
		{"case variant Exp instead of exp", nil, f.signHS(with(without(base, "exp"), "Exp", unix(t0.Add(time.Hour)))), ErrClaims},
		{"case variant USER_ID first", nil, f.signHS(append([]kv{{"USER_ID", `"admin"`}}, base...)), ErrClaims},

		// Claim values.
		{"wrong issuer", nil, f.signHS(with(base, "iss", `"evil"`)), ErrIssuer},
		{"issuer case variant", nil, f.signHS(with(base, "iss", `"Samo"`)), ErrIssuer},
		{"issuer trailing space", nil, f.signHS(with(base, "iss", `"samo "`)), ErrIssuer},
		{"wrong audience", nil, f.signHS(with(base, "aud", `"other-api"`)), ErrAudience},
		{"audience array without ours", nil, f.signHS(with(base, "aud", `["a","b"]`)), ErrAudience},
		{"audience case variant", nil, f.signHS(with(base, "aud", `"SAMO-API"`)), ErrAudience},
		{"exp equals now", nil, f.signHS(with(base, "exp", unix(t0))), ErrExpired},
		{"exp one second ago", nil, f.signHS(with(base, "exp", unix(t0.Add(-time.Second)))), ErrExpired},
		{"iat beyond leeway", nil, f.signHS(with(with(base, "iat", unix(t0.Add(31*time.Second))), "exp", unix(t0.Add(time.Hour)))), ErrNotYetValid},
		{"nbf beyond leeway", nil, f.signHS(with(base, "nbf", unix(t0.Add(31*time.Second)))), ErrNotYetValid},
		{"lifetime over max", nil, f.signHS(with(with(base, "iat", unix(t0.Add(-time.Hour))), "exp", unix(t0.Add(24*time.Hour+time.Second)))), ErrLifetime},
		{"exp before iat", nil, f.signHS(with(base, "iat", unix(t0.Add(2*time.Hour)))), ErrLifetime},
		{"exp equals iat", nil, f.signHS(with(with(base, "iat", unix(t0.Add(time.Hour))), "exp", unix(t0.Add(time.Hour)))), ErrLifetime},
	}
	if len(cases) < 60 {
		t.Fatalf("only %d cases, want at least 60", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			iss := tc.iss
			if iss == nil {
				iss = f.hs
			}
			c, err := iss.Verify(tc.tok, t0)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want success", err)
				}
				if c.UserID == "" || c.Issuer != "samo" || c.Audience != "samo-api" || c.ID == "" || c.KeyID == "" || c.Permissions == nil {
					t.Errorf("Verify claims = %+v, want complete claims", c)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
			if n := countSentinels(err); n != 1 {
				t.Errorf("Verify error %v wraps %d sentinels, want 1", err, n)
			}
			if c.UserID != "" || c.ID != "" {
				t.Errorf("rejected token returned claims %+v, want zero", c)
			}
		})
	}
}

func countSentinels(err error) int {
	n := 0
	for _, s := range verifySentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}

func mustIssue(tb testing.TB, i *Issuer) string {
	tb.Helper()
	tok, _, err := i.Issue("user-1", []string{"read_predictions"})
	if err != nil {
		tb.Fatalf("Issue: %v", err)
	}
	return tok
}
