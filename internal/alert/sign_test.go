package alert

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The Standard Webhooks reference test vector (standard-webhooks
// libraries and Svix docs): a receiver using any of those libraries must
// accept what SAMO signs.
func TestSignStandardWebhooksVector(t *testing.T) {
	t.Parallel()
	secret := []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	body := []byte(`{"test": 2432232314}`)
	ts := time.Unix(1614265330, 0)
	got := Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func signedHeaders(secret []byte, id string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	SetHeaders(h, secret, id, ts, body)
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"id":"evt_1","type":"security.event","count":1}`)
	now := time.Unix(1_700_000_000, 0)
	good := func() http.Header { return signedHeaders(secret, "evt_1", now, body) }
	tests := []struct {
		name   string
		secret []byte
		header func() http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, good, body, now, nil},
		{"valid at the edge of tolerance", secret, good, body, now.Add(DefaultTolerance), nil},
		{"tampered body", secret, good, []byte(`{"id":"evt_1","type":"security.event","count":2}`), now, ErrSignature},
		{"tampered timestamp", secret, func() http.Header {
			h := good()
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}, body, now, ErrSignature},
		{"tampered id", secret, func() http.Header { h := good(); h.Set(HeaderID, "evt_2"); return h }, body, now, ErrSignature},
		{"wrong secret", []byte("another secret of thirty-two b!!"), good, body, now, ErrSignature},
		{"replayed later", secret, good, body, now.Add(DefaultTolerance + time.Second), ErrTimestamp},
		{"from the future", secret, good, body, now.Add(-DefaultTolerance - time.Second), ErrTimestamp},
		{"missing signature", secret, func() http.Header { h := good(); h.Del(HeaderSignature); return h }, body, now, ErrMissingHeaders},
		{"no secret configured", nil, good, body, now, ErrMissingHeaders},
		{"signed timestamp", secret, func() http.Header { h := good(); h.Set(HeaderTimestamp, "+1700000000"); return h }, body, now, ErrMalformedHeaders},
		{"timestamp with space", secret, func() http.Header { h := good(); h.Set(HeaderTimestamp, " 1700000000"); return h }, body, now, ErrMalformedHeaders},
		{"id with dot", secret, func() http.Header { h := good(); h.Set(HeaderID, "a.b"); return h }, body, now, ErrMalformedHeaders},
		{"unknown version only", secret, func() http.Header {
			h := good()
			h.Set(HeaderSignature, "v2,"+h.Get(HeaderSignature)[3:])
			return h
		}, body, now, ErrSignature},
		{"several signatures, one valid (secret rotation)", secret, func() http.Header {
			h := good()
			h.Set(HeaderSignature, "v1,AAAA v1a,xyz "+h.Get(HeaderSignature))
			return h
		}, body, now, nil},
		{"garbage signature", secret, func() http.Header { h := good(); h.Set(HeaderSignature, "v1,!!!"); return h }, body, now, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header(), tt.body, tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSetHeadersUnsignedWithoutSecret(t *testing.T) {
	t.Parallel()
	h := signedHeaders(nil, "evt_9", time.Unix(5, 0), []byte("{}"))
	if h.Get(HeaderSignature) != "" {
		t.Errorf("signature set without a secret: %q", h.Get(HeaderSignature))
	}
	if h.Get(HeaderID) != "evt_9" || h.Get(HeaderIdempotencyKey) != "evt_9" || h.Get(HeaderTimestamp) != "5" {
		t.Errorf("headers = %v", h)
	}
}

func TestSigningKeyWhsec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, want string
	}{
		{"raw secret", "plain-secret", "plain-secret"},
		{"whsec base64", "whsec_aGVsbG8=", "hello"},
		{"whsec not base64 stays raw", "whsec_***", "whsec_***"},
	}
	for _, tt := range tests {
		if got := string(signingKey([]byte(tt.secret))); got != tt.want {
			t.Errorf("%s: signingKey(%q) = %q, want %q", tt.name, tt.secret, got, tt.want)
		}
	}
}

// FuzzVerify: any headers and body are judged without panicking, and what
// Sign produces always verifies while any change to the body does not.
func FuzzVerify(f *testing.F) {
	f.Add("evt_1", "1700000000", "v1,abc", []byte(`{}`))
	f.Add("", "", "", []byte(nil))
	f.Add("msg", "99999999999999999999", "v1, v1,,", []byte("x"))
	f.Add("id", "1700000000", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	secret := []byte("fuzz-secret-0123456789abcdefghij")
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		_ = Verify(secret, h, body, now, time.Minute)
		if !validKey(id) {
			return
		}
		h = signedHeaders(secret, id, now, body)
		if err := Verify(secret, h, body, now, time.Minute); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		if err := Verify(secret, h, append(append([]byte(nil), body...), 'x'), now, time.Minute); !errors.Is(err, ErrSignature) {
			t.Fatalf("changed body accepted: %v", err)
		}
	})
}
