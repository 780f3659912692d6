// Package client is the Go client of the SAMO emotion-detection API: one
// Client per server, methods per endpoint, typed errors decoded from the
// server's problem+json answers. It imports nothing from SAMO's internal
// packages; its types mirror the JSON of the v1 API.
//
//	c, err := client.New("https://samo.example.com", client.WithAPIKey(os.Getenv("SAMO_API_KEY")))
//	if err != nil { ... }
//	p, err := c.Predict(ctx, "I can't wait for the weekend!", nil)
//	if client.IsRateLimited(err) { ... client.RetryAfterOf(err) ... }
//	fmt.Println(p.PrimaryEmotion, p.Confidence)
//
// # Credentials
//
// WithAPIKey sends X-API-Key; WithBearer or WithTokenSource send
// Authorization: Bearer (NewKeyTokenSource exchanges a key for tokens and
// refreshes them itself). A request carries one credential, never both.
// Credentials travel in headers only, never in URLs; the client does not
// log, and Client, TokenPair, CreatedKey and StaticToken never print the
// secrets they hold (fmt's %v, %+v and %#v show [redacted] or nothing). New refuses a plain-http base URL
// for a host other than loopback when credentials are configured (unless
// WithInsecureHTTP), and the client never follows redirects, which would
// carry the key to wherever they point.
//
// # Errors
//
// A non-2xx answer is an *Error with the problem's Status, Type, Code,
// Title, Detail, RequestID, Fields and RetryAfter. errors.Is matches it
// against ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrConflict, ErrRateLimited, ErrUpstream (502/504: the upstream model
// server failed in gateway mode), ErrUnavailable and ErrServer. Network
// failures are returned as they are (wrapped).
//
// # Retries
//
// Prediction is not idempotent: a repeated POST /v1/predict stores a
// second prediction. So retries follow what the server promises, not the
// method: 429 (rate limited, checked before the handler runs) and 503
// (a dependency is unavailable: storage, rate limiting, or the open
// circuit in front of an upstream model server; nothing was stored) mean
// the server did no work, and any request is retried after its
// Retry-After (or 0.5s, 1s, 2s... with jitter when absent), at most
// WithRetry times (default 2), each wait at most WithMaxRetryWait (default
// 30s; a longer Retry-After returns the error at once). Network failures
// are retried only for GET. 502 and 504 are never retried: the upstream
// may have done the work. Uploads stream their body and are never
// retried.
package client
