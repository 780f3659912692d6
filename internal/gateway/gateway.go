package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

// Defaults of Config's zero fields.
const (
	DefaultTimeout          = 5 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultFailureThreshold = 5
	DefaultCoolDown         = 10 * time.Second
)

// probeText is what Ready sends when it has to ask the upstream itself.
const probeText = "SAMO readiness probe."

// Config configures a Client. URL is required; zero values of the other
// fields take the defaults above.
type Config struct {
	// URL is the full address that answers POST with a prediction
	// (MODEL_BACKEND_URL), e.g. https://model.internal:8000/predict.
	// User information in it becomes HTTP Basic authentication.
	URL string
	// Format is the upstream's answer shape (MODEL_BACKEND_FORMAT).
	Format Format
	// Timeout bounds one upstream call: connection, request and answer
	// (MODEL_BACKEND_TIMEOUT).
	Timeout time.Duration
	// MaxResponseBytes caps the answer; a larger one is refused unread.
	MaxResponseBytes int64
	// FailureThreshold is the number of consecutive failures that opens
	// the circuit.
	FailureThreshold int
	// CoolDown is how long an open circuit refuses calls before it lets a
	// probe through. It is also how long a success keeps Ready from
	// probing the upstream itself.
	CoolDown time.Duration
	// RootCAs verifies the upstream's certificate (nil: the system roots).
	// Verification is never disabled.
	RootCAs *x509.CertPool
	// ClientCert is presented to an https upstream that asks for one
	// (mutual TLS): certificate authentication instead of a password in
	// the URL. Nil: none.
	ClientCert *tls.Certificate
	// Version is the model version reported when the upstream names none
	// (default "gateway-" + Format).
	Version string
	// Events receives upstream_error events (default: discarded).
	Events secevent.Recorder
	// Now is the clock of the circuit breaker (default time.Now).
	Now func() time.Time
}

// Client is a prediction.Predictor backed by an upstream model server. It
// is safe for concurrent use.
type Client struct {
	url      string        // without user information
	user     *url.Userinfo // Basic authentication, when the URL had some
	format   Format
	timeout  time.Duration
	maxBytes int64
	coolDown time.Duration
	version  string
	http     *http.Client
	breaker  *breaker
	events   secevent.Recorder
	now      func() time.Time
	lastOK   atomic.Int64 // Unix nanoseconds of the last good answer

	// Ready's probe: at most one in flight (probing), its outcome kept
	// for coolDown (probeAt, probeErr).
	probeMu  sync.Mutex
	probing  chan struct{} // closed when the probe in flight ends; nil when none
	probeAt  time.Time     // when the last probe ended (zero: never)
	probeErr error         // its outcome
}

var _ prediction.Predictor = (*Client)(nil)

// request is the body SAMO posts upstream: the validated (NFC-normalised)
// text and the caller's threshold when one was given.
type request struct {
	Text      string   `json:"text"`
	Threshold *float64 `json:"threshold,omitempty"`
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: URL does not parse", ErrConfig)
	case u.Scheme != "http" && u.Scheme != "https", u.Hostname() == "", u.Opaque != "":
		return nil, fmt.Errorf("%w: URL must be an absolute http or https URL", ErrConfig)
	case u.Fragment != "":
		return nil, fmt.Errorf("%w: URL must not have a fragment", ErrConfig)
	}
	if cfg.Format == "" {
		cfg.Format = FormatSAMO
	}
	if cfg.Format != FormatSAMO && cfg.Format != FormatProbabilities {
		return nil, fmt.Errorf("%w: format must be samo or probabilities", ErrConfig)
	}
	if cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 || cfg.FailureThreshold < 0 || cfg.CoolDown < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrConfig)
	}
	cfg.Timeout = or(cfg.Timeout, DefaultTimeout)
	cfg.MaxResponseBytes = or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	cfg.FailureThreshold = or(cfg.FailureThreshold, DefaultFailureThreshold)
	cfg.CoolDown = or(cfg.CoolDown, DefaultCoolDown)
	cfg.Version = or(cfg.Version, "gateway-"+string(cfg.Format))
	if cfg.Events == nil {
		cfg.Events = secevent.Discard{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{format: cfg.Format, timeout: cfg.Timeout, maxBytes: cfg.MaxResponseBytes, coolDown: cfg.CoolDown,
		version: cfg.Version, events: cfg.Events, now: cfg.Now,
		breaker: newBreaker(cfg.FailureThreshold, cfg.CoolDown, cfg.Now)}
	c.user, u.User = u.User, nil
	c.url = u.String()
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:        tlsConfig(cfg),
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConnsPerHost:    32,
		MaxConnsPerHost:        128,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true, // no transparent gunzip: the cap counts what we parse
		ForceAttemptHTTP2:      true,
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an upstream error, never followed
	}}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Version names the model as predictions report it when the upstream names
// none.
func (c *Client) Version() string { return c.version }

// Taxonomies lists each taxonomy's labels.
func (c *Client) Taxonomies() map[string][]string { return Taxonomies() }

// State returns the circuit breaker's state.
func (c *Client) State() State { s, _ := c.breaker.current(); return s }

// Predict asks the upstream about text (already validated by the API) and
// returns its validated answer in taxonomy tax. Errors: ErrUpstream (and
// ErrTimeout) when the upstream failed, *UnavailableError while the circuit
// is open, prediction.ErrTaxonomy for an unknown taxonomy.
func (c *Client) Predict(ctx context.Context, text, tax string, threshold *float64) (prediction.Result, error) {
	return c.predict(ctx, text, tax, threshold, false)
}

// Ready reports whether predictions can succeed: not while the circuit is
// open; yes within CoolDown of a good answer; otherwise from a probe
// prediction, whose outcome also feeds the breaker (so an instance taken
// out of rotation still notices its upstream recover). However many
// callers ask, at most one probe is in flight and its outcome is reused
// for CoolDown: concurrent callers wait for the same probe. The probe runs
// detached from ctx (bounded by Timeout), so a caller that gives up early
// does not make the next one probe again; that caller gets ctx's error.
// A 4xx answer to the probe that blames the text (ErrRejected) or load
// (ErrBusy) shows the upstream alive and counts as ready.
func (c *Client) Ready(ctx context.Context) error {
	if st, wait := c.breaker.current(); st == Open {
		return &UnavailableError{RetryAfter: wait}
	}
	if last := c.lastOK.Load(); last != 0 && c.now().Sub(time.Unix(0, last)) < c.coolDown {
		return nil
	}
	c.probeMu.Lock()
	if !c.probeAt.IsZero() && c.now().Sub(c.probeAt) < c.coolDown {
		err := c.probeErr
		c.probeMu.Unlock()
		return err
	}
	done := c.probing
	if done == nil {
		done = make(chan struct{})
		c.probing = done
		// The probe outlives the request that started it: callers share its
		// result, so no one caller's context may cancel it.
		go c.probe(done) // #nosec G118 -- detached on purpose (single-flight shared by all callers)
	}
	c.probeMu.Unlock()
	select {
	case <-done:
		c.probeMu.Lock()
		defer c.probeMu.Unlock()
		return c.probeErr
	case <-ctx.Done():
		return fmt.Errorf("gateway: readiness probe still running: %w", context.Cause(ctx))
	}
}

// probe sends Ready's probe prediction and publishes its outcome.
func (c *Client) probe(done chan struct{}) {
	ctx := context.Background() // the probe belongs to no request; call bounds it by Timeout
	_, err := c.predict(ctx, probeText, GoEmotions, nil, true)
	if errors.Is(err, ErrRejected) || errors.Is(err, ErrBusy) {
		err = nil
	}
	c.probeMu.Lock()
	c.probeAt, c.probeErr, c.probing = c.now(), err, nil
	c.probeMu.Unlock()
	close(done)
}

func (c *Client) predict(ctx context.Context, text, tax string, threshold *float64, probe bool) (prediction.Result, error) {
	if tax != GoEmotions && tax != Ekman {
		return prediction.Result{}, prediction.ErrTaxonomy
	}
	halfOpen, err := c.breaker.allow()
	if err != nil {
		return prediction.Result{}, err
	}
	ans, fail := c.call(ctx, text, threshold)
	switch {
	case fail == nil:
		c.lastOK.Store(c.now().UnixNano())
		from, to := c.breaker.record(halfOpen, success)
		c.transition(ctx, from, to)
	case ctx.Err() != nil:
		// Our caller gave up: that says nothing about the upstream.
		c.breaker.record(halfOpen, neutral)
		return prediction.Result{}, fmt.Errorf("gateway: request ended before the upstream answered: %w", context.Cause(ctx))
	default:
		details := map[string]string{"reason": fail.reason, "format": string(c.format)}
		if fail.status != 0 {
			details["upstream_status"] = strconv.Itoa(fail.status)
		}
		if probe {
			details["probe"] = "true"
		}
		sev, o := secevent.Medium, failed
		if fail.blame != blameUpstream {
			// A 4xx says the upstream is alive: it must not open the
			// circuit, whoever sent the text.
			o = neutral
		}
		if fail.blame == blameText {
			sev = secevent.Low // the API also scores the caller
		}
		c.events.Record(ctx, secevent.New(ctx, secevent.UpstreamError, sev, c.now(), details))
		from, to := c.breaker.record(halfOpen, o)
		c.transition(ctx, from, to)
		return prediction.Result{}, fail
	}
	res := ans.result(c.format, tax, threshold)
	res.ModelVersion = c.version
	if ans.version != "" {
		res.ModelVersion = c.version + "/" + ans.version
	}
	return res, nil
}

// transition records a security event when the circuit opens (from
// closed: a failed half-open probe has its own upstream_error event) or
// closes.
func (c *Client) transition(ctx context.Context, from, to State) {
	switch {
	case from == to:
	case from == Closed && to == Open:
		c.events.Record(ctx, secevent.New(ctx, secevent.UpstreamError, secevent.High, c.now(), map[string]string{
			"reason": "circuit_open", "format": string(c.format), "cool_down_seconds": strconv.Itoa(int(c.coolDown / time.Second))}))
	case to == Closed:
		c.events.Record(ctx, secevent.New(ctx, secevent.UpstreamError, secevent.Low, c.now(), map[string]string{
			"reason": "circuit_closed", "format": string(c.format)}))
	}
}

// call posts one request and validates the answer.
func (c *Client) call(ctx context.Context, text string, threshold *float64) (answer, *failure) {
	body, err := json.Marshal(request{Text: text, Threshold: threshold})
	if err != nil {
		return answer{}, upstreamFailure("transport", "encode request")
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return answer{}, upstreamFailure("transport", "build request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "samo-gateway")
	if c.user != nil {
		pass, _ := c.user.Password()
		req.SetBasicAuth(c.user.Username(), pass)
	}
	if id := requestID(ctx); id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, c.transportFailure(cctx, err)
	}
	defer resp.Body.Close() // unread bytes are dropped with the connection
	if resp.StatusCode != http.StatusOK {
		return answer{}, statusFailure(resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil ||
		(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return answer{}, upstreamFailure("content_type", "answer is not application/json")
	}
	if resp.ContentLength > c.maxBytes {
		return answer{}, c.tooLarge()
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return answer{}, c.transportFailure(cctx, err)
	}
	if int64(len(data)) > c.maxBytes {
		return answer{}, c.tooLarge()
	}
	return decodeAnswer(data, c.format)
}

func (c *Client) tooLarge() *failure {
	return upstreamFailure("too_large", fmt.Sprintf("answer exceeds %d bytes", c.maxBytes))
}

// transportFailure classifies a failed exchange. The message keeps the
// network error for the log (never the URL, which may carry credentials)
// and is not shown to clients.
func (c *Client) transportFailure(cctx context.Context, err error) *failure {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var netErr net.Error
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(cctx.Err(), context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &failure{reason: "timeout", err: fmt.Errorf("%w after %v", ErrTimeout, c.timeout)}
	case errors.As(err, &certErr), errors.As(err, new(x509.UnknownAuthorityError)), errors.As(err, new(x509.HostnameError)):
		return upstreamFailure("tls", "certificate verification failed: "+err.Error())
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return upstreamFailure("connect", "connect: "+opErr.Err.Error())
	}
	return upstreamFailure("transport", err.Error())
}

func requestID(ctx context.Context) string {
	if info, ok := reqctx.From(ctx); ok {
		return info.RequestID
	}
	return ""
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// tlsConfig is the TLS client configuration of the upstream: verified
// against RootCAs (or the system roots), TLS 1.2 at least, presenting
// ClientCert when set.
func tlsConfig(cfg Config) *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}
	if cfg.ClientCert != nil {
		tc.Certificates = []tls.Certificate{*cfg.ClientCert}
	}
	return tc
}
