package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls a SAMO server. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	hc         *http.Client
	apiKey     string
	tokens     TokenSource
	maxRetries int
	maxWait    time.Duration
	insecure   bool
	userAgent  string
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates with an API key (X-API-Key). When a token
// source is also set, requests use the bearer token and the key is used
// only by Token.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithBearer authenticates with a fixed access token.
func WithBearer(token string) Option { return WithTokenSource(StaticToken(token)) }

// WithTokenSource authenticates each request with a token from ts (see
// NewKeyTokenSource for one that exchanges and refreshes by itself).
func WithTokenSource(ts TokenSource) Option { return func(c *Client) { c.tokens = ts } }

// WithHTTPClient sends requests with hc (its Transport, Timeout and Jar).
// The client never follows redirects, whatever hc.CheckRedirect says: a
// redirect would carry the API key to wherever it points.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRetry sets how many times a request refused with 429 or 503 is
// retried after the server's Retry-After (default 2; 0 disables). See the
// package documentation for which requests are retried.
func WithRetry(maxRetries int) Option {
	return func(c *Client) { c.maxRetries = max(maxRetries, 0) }
}

// WithMaxRetryWait caps the wait before one retry (default 30s). A
// Retry-After beyond it is not waited for: the error is returned with
// RetryAfter set.
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithInsecureHTTP allows credentials over plain http to hosts other than
// loopback (for private networks where TLS ends elsewhere). Avoid it.
func WithInsecureHTTP() Option { return func(c *Client) { c.insecure = true } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the server at baseURL (scheme, host and an
// optional path prefix, e.g. "https://samo.example.com").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("samo: base URL must be http(s)://host[:port][/prefix] without credentials, query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, hc: http.DefaultClient, maxRetries: 2, maxWait: 30 * time.Second,
		userAgent: "samo-go-client", now: time.Now, sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	hc := *c.hc // a copy, so the caller's client keeps its own redirect policy
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	if u.Scheme == "http" && !c.insecure && (c.apiKey != "" || c.tokens != nil) && !isLoopback(u.Hostname()) {
		return nil, ErrInsecureURL
	}
	return c, nil
}

// String describes the client without its credentials (a value receiver,
// so a copied Client prints the same).
func (c Client) String() string { return "samo client for " + c.base.String() }

// GoString describes the client without its credentials.
func (c Client) GoString() string { return c.String() }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// auth says which credential a request carries.
type auth int

const (
	authDefault auth = iota // bearer token if a source is set, else the API key
	authKey                 // the API key only (token exchange)
	authBearer              // the bearer token only (logout)
	authNone                // nothing (refresh: the token is in the body)
)

// call is one API request.
type call struct {
	method string
	path   string // already escaped
	query  url.Values
	body   any // JSON-encoded when non-nil
	// stream, when set, supplies a body that cannot be replayed (uploads):
	// such calls are never retried.
	stream func() (io.Reader, string)
	auth   auth
	out    any // decoded from a 2xx JSON answer when non-nil
}

// maxAnswerBytes caps a successful answer (a 1000-item batch is ~1 MB).
const maxAnswerBytes = 64 << 20

// do sends cl, retrying as the package documentation says, and decodes
// the answer into cl.out.
func (c *Client) do(ctx context.Context, cl call) error {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("samo: encode request: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, cl, body)
		if err != nil {
			// Only reads are retried after a network failure: a write
			// may have been done before the connection broke.
			if cl.method == http.MethodGet && attempt < c.maxRetries && ctx.Err() == nil {
				if werr := c.sleep(ctx, backoff(attempt)); werr != nil {
					return err
				}
				continue
			}
			return err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			defer resp.Body.Close()
			return decodeAnswer(resp, cl.out)
		}
		apiErr := readError(resp, c.now())
		_ = resp.Body.Close()
		if !c.retryable(cl, apiErr, attempt) {
			return apiErr
		}
		wait := apiErr.RetryAfter
		if wait == 0 {
			wait = backoff(attempt)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return apiErr
		}
	}
}

// retryable: 429 and 503 mean the server did nothing, so any request with
// a replayable body may be sent again, within the retry budget and wait.
func (c *Client) retryable(cl call, e *Error, attempt int) bool {
	if e.Status != http.StatusTooManyRequests && e.Status != http.StatusServiceUnavailable {
		return false
	}
	return cl.stream == nil && attempt < c.maxRetries && e.RetryAfter <= c.maxWait
}

func (c *Client) send(ctx context.Context, cl call, body []byte) (*http.Response, error) {
	// The credential comes first: an upload's body is a pipe fed by a
	// goroutine, which must not be started for a request never sent.
	name, value, err := c.credential(ctx, cl.auth)
	if err != nil {
		return nil, err
	}
	target := c.base.String() + cl.path // cl.path is already escaped
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("samo: build request: %w", err)
	}
	switch {
	case cl.stream != nil:
		rd, ctype := cl.stream()
		req.Body, req.ContentLength = io.NopCloser(rd), -1
		if rc, ok := rd.(io.ReadCloser); ok {
			req.Body = rc // closing it stops the writer goroutine
		}
		req.Header.Set("Content-Type", ctype)
	case body != nil:
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if name != "" {
		req.Header.Set(name, value)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("samo: %s %s: %w", cl.method, cl.path, unwrapURLError(err))
	}
	return resp, nil
}

// credential returns the header carrying the request's credential ("" for
// none).
func (c *Client) credential(ctx context.Context, a auth) (name, value string, err error) {
	if a == authDefault {
		a = authKey
		if c.tokens != nil {
			a = authBearer
		}
	}
	switch a {
	case authKey:
		if c.apiKey == "" {
			return "", "", errors.New("samo: this call needs an API key (WithAPIKey)")
		}
		return "X-API-Key", c.apiKey, nil
	case authBearer:
		if c.tokens == nil {
			return "", "", errors.New("samo: this call needs a bearer token (WithBearer or WithTokenSource)")
		}
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return "", "", fmt.Errorf("samo: get token: %w", err)
		}
		return "Authorization", "Bearer " + tok, nil
	}
	return "", "", nil
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func decodeAnswer(resp *http.Response, out any) error {
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("samo: decode answer (status %d): %w", resp.StatusCode, err)
	}
	return nil
}

// backoff is the wait before retry attempt+1 when the server named none:
// 0.5s, 1s, 2s, ... (at most 8s) plus up to 25% random jitter.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 4)
	var b [2]byte
	_, _ = rand.Read(b[:])
	return d + d*time.Duration(binary.BigEndian.Uint16(b[:]))/(4*65536)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
