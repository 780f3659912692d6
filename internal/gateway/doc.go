// Package gateway is SAMO's gateway mode: a prediction.Predictor that
// forwards validated text to an existing model server (MODEL_BACKEND_URL)
// instead of running the embedded model. Everything in front of the
// predictor — keys, tokens, RBAC, validation, injection detection, rate
// limits, intrusion detection, events, sealed storage — is unchanged; the
// upstream only ever sees text that passed all of it.
//
// # Upstream contract
//
// SAMO sends, for each text (a batch is one call per text):
//
//	POST <MODEL_BACKEND_URL>
//	Content-Type: application/json
//	Accept: application/json
//	X-Request-ID: <SAMO request id>
//
//	{"text": "I love this!", "threshold": 0.3}
//
// threshold is present only when the caller gave one. The path and query
// are whatever MODEL_BACKEND_URL says; nothing else about the request is
// configurable. User information in the URL (https://user:pass@host/...)
// becomes HTTP Basic authentication and is never logged. The taxonomy is
// not sent: the upstream answers in GoEmotions labels and SAMO derives the
// Ekman view itself (an Ekman emotion takes the highest confidence of its
// GoEmotions members, as goemotions/ekman_mapping.json groups them; the
// seven Ekman labels are also GoEmotions labels, so an Ekman-only upstream
// works too).
//
// The answer must be 200 with Content-Type application/json (or +json), at
// most MaxResponseBytes (1 MiB), in one of two shapes (MODEL_BACKEND_FORMAT):
//
//	samo:          {"emotions":[{"emotion":"joy","confidence":0.93},...],
//	                "primary_emotion":"joy","confidence":0.93,"model_version":"v3"}
//	probabilities: {"predicted_emotion":"joy","probabilities":{"joy":0.93,"love":0.41,...}}
//
// Validation is strict on the fields SAMO uses and tolerant of others,
// which are dropped: one JSON object, no duplicate keys, labels known
// GoEmotions labels each at most once, confidences JSON numbers in [0, 1];
// in the samo shape primary_emotion, confidence and model_version are
// optional (an empty emotions list is accepted only with primary_emotion and
// confidence); in the probabilities shape predicted_emotion is required and
// must be one of the probabilities. model_version reaches clients only when
// it is 1-64 characters of [A-Za-z0-9._:+-], as "gateway-<format>/<version>".
//
// # Answers and failures
//
//   - The threshold is applied on our side even when it was sent: labels at
//     or above it are kept. Without one, raw probabilities are cut at
//     DefaultThreshold (0.5) and a samo-shaped answer keeps the upstream's
//     own choice. The most confident emotion is always kept, first, and is
//     the primary: the upstream's primary field only breaks ties, so what
//     clients see is consistent with the confidences.
//   - A 4xx answer is judged by what it says about the text. 408 and 429
//     (the upstream sheds load) are ErrBusy: API 503 upstream_busy. 401,
//     404, 405, 406, 407, 410, 411, 415 and 426 cannot depend on the text
//     (SAMO's URL or credentials are wrong): ErrUpstream, API 502. Every
//     other 4xx (commonly 413/422 for a text over the model's token limit)
//     is ErrRejected: API 422 upstream_rejected, and the API counts it
//     toward the caller's intrusion score. No 4xx counts toward the
//     circuit breaker, so one caller's texts can never cut predictions off
//     for everyone; the event is low for ErrRejected, medium otherwise.
//   - Anything else — connection refused, timeout, TLS failure, a 5xx or
//     other non-200 status, a redirect (never followed), a wrong content type, an answer
//     over the cap (refused from Content-Length before reading, or after
//     reading cap+1 bytes; compression is disabled so the cap counts what is
//     parsed), malformed JSON or a schema violation — is ErrUpstream
//     wrapping a short reason of our own. Upstream bytes are never quoted in
//     errors, events or logs, and never reach clients: the API answers 502
//     upstream_error (504 upstream_timeout for ErrTimeout).
//   - Every failure records a secevent.UpstreamError event (medium) with a
//     reason code (timeout, connect, tls, status, redirect, content_type,
//     too_large, malformed, transport) and the upstream status when there
//     is one. The gateway records them itself because it alone knows the
//     reason; the request id, client and key come from the context.
//   - A consecutive-failure circuit breaker protects callers and the
//     upstream: FailureThreshold (5) failures in a row open it (a high
//     event, reason circuit_open); while open, calls fail at once with
//     *UnavailableError (API: 503 upstream_unavailable with Retry-After =
//     time left); after CoolDown (10 s) one probe call is let through (others
//     still fail fast) and its success closes the circuit (a low event,
//     circuit_closed) while its failure reopens it for another CoolDown. A
//     caller that gives up (its context ends), and any 4xx answer, count as
//     neither success nor failure. The breaker's clock is injected.
//   - Ready is false while the circuit is open; within CoolDown of a good
//     answer it is true without traffic; otherwise it sends a probe
//     prediction. Probing from Ready matters: a load balancer that stops
//     sending traffic to a not-ready instance would otherwise never let the
//     breaker see the upstream recover. At most one probe is in flight
//     (callers share it) and its outcome, good or bad, is reused for
//     CoolDown, so GET /ready costs at most one upstream inference per
//     CoolDown however often it is called. The probe is detached from the
//     caller (bounded by Timeout): callers whose budget ends first get an
//     error, and the probe's outcome still serves the next ones. A probe
//     answered with ErrRejected or ErrBusy counts as ready (the upstream is
//     alive); a setup 4xx (401, 404, ...) as not ready.
//   - TLS is verified against the system roots or Config.RootCAs, minimum
//     TLS 1.2; there is no switch to disable it. Config.ClientCert is
//     presented to an upstream that asks for a client certificate. The proxy comes from the
//     environment (HTTPS_PROXY/NO_PROXY) as for any Go program.
//   - Connections per upstream host are capped at 128, so a slow upstream
//     cannot make SAMO open unbounded connections; waiting for one counts
//     against the call's timeout.
package gateway
