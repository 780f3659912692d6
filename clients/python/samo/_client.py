"""The SAMO HTTP client (urllib, no third-party packages)."""

import ipaddress
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from ._errors import APIError, InsecureTransportError, RateLimited
from ._models import BatchResult, Prediction

_RETRYABLE = (429, 503)


def _is_loopback(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Client:
    """A client of one SAMO server.

    Client(url, api_key=KEY) sends the key in X-API-Key. With
    use_tokens=True the key is exchanged once for a short-lived JWT pair
    (POST /v1/auth/token); requests then carry the access token, which is
    renewed with the refresh token when it expires.

    Credentials are refused over plain http:// unless the host is loopback
    (localhost, 127.0.0.0/8, ::1): InsecureTransportError.

    Only 429 and 503 answers are retried, at most max_retries times, after
    the server's Retry-After (or a short backoff when it sends none). Every
    creating call sends an Idempotency-Key, so a retry never stores twice.
    """

    def __init__(
        self,
        url: str,
        api_key: Optional[str] = None,
        *,
        use_tokens: bool = False,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be http(s)://host[:port]")
        if api_key is not None and parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise InsecureTransportError(
                "refusing to send credentials over plain HTTP to %s; use https://" % parts.hostname)
        if use_tokens and api_key is None:
            raise ValueError("use_tokens=True needs an api_key to exchange")
        self._base = url.rstrip("/")
        self._api_key = api_key
        self._use_tokens = use_tokens
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._access: Optional[str] = None
        self._refresh: Optional[str] = None
        self._access_until = 0.0

    # --- public API -------------------------------------------------------

    def predict(self, text: str, threshold: Optional[float] = None, taxonomy: Optional[str] = None) -> Prediction:
        """Classify one text; the prediction is stored and returned."""
        body: Dict[str, Any] = {"text": text}
        if threshold is not None:
            body["threshold"] = threshold
        if taxonomy is not None:
            body["taxonomy"] = taxonomy
        return Prediction.from_json(self._call("POST", "/v1/predict", body, idempotent=True))

    def predict_batch(self, texts: Sequence[str], threshold: Optional[float] = None,
                      taxonomy: Optional[str] = None) -> BatchResult:
        """Classify up to 100 texts in one request; per-text failures are in the result."""
        body: Dict[str, Any] = {"texts": list(texts)}
        if threshold is not None:
            body["threshold"] = threshold
        if taxonomy is not None:
            body["taxonomy"] = taxonomy
        return BatchResult.from_json(self._call("POST", "/v1/predict/batch", body, idempotent=True))

    def predictions(self, emotion: Optional[str] = None, q: Optional[str] = None,
                    page_size: int = 100) -> Iterator[Prediction]:
        """Iterate over your stored predictions, newest first, across pages."""
        cursor = ""
        while True:
            params = {"limit": str(page_size)}
            if emotion:
                params["emotion"] = emotion
            if q:
                params["q"] = q
            if cursor:
                params["cursor"] = cursor
            page = self._call("GET", "/v1/predictions?" + urllib.parse.urlencode(params))
            for p in page.get("predictions") or []:
                yield Prediction.from_json(p)
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return

    def prediction(self, prediction_id: str) -> Prediction:
        """Read one stored prediction."""
        return Prediction.from_json(self._call("GET", "/v1/predictions/" + urllib.parse.quote(prediction_id, safe="")))

    def delete_prediction(self, prediction_id: str) -> None:
        """Delete one stored prediction."""
        self._call("DELETE", "/v1/predictions/" + urllib.parse.quote(prediction_id, safe=""))

    def health(self) -> Dict[str, Any]:
        """GET /health (no credentials)."""
        return self._call("GET", "/health", auth=False)

    # --- transport --------------------------------------------------------

    def _auth_headers(self) -> Dict[str, str]:
        if self._api_key is None:
            return {}
        if not self._use_tokens:
            return {"X-API-Key": self._api_key}
        if self._access is None or time.monotonic() >= self._access_until:
            self._renew_tokens()
        return {"Authorization": "Bearer " + str(self._access)}

    def _renew_tokens(self) -> None:
        pair = None
        if self._refresh is not None:
            try:
                pair = self._call("POST", "/v1/auth/refresh", {"refresh_token": self._refresh}, auth=False)
            except APIError as e:
                if e.status != 401:
                    raise
        if pair is None:
            pair = self._call("POST", "/v1/auth/token", None, auth=False,
                              extra={"X-API-Key": str(self._api_key)})
        self._access, self._refresh = pair["access_token"], pair["refresh_token"]
        # Renew a little early so a token never expires in flight.
        self._access_until = time.monotonic() + max(0.0, float(pair.get("expires_in", 0)) - 30.0)

    def _call(self, method: str, path: str, body: Any = None, *, auth: bool = True,
              idempotent: bool = False, extra: Optional[Dict[str, str]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        key = str(uuid.uuid4()) if idempotent else None
        attempt = 0
        while True:
            headers = {"Accept": "application/json", "User-Agent": "samo-python/0.1"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            if key:
                headers["Idempotency-Key"] = key
            if auth:
                headers.update(self._auth_headers())
            if extra:
                headers.update(extra)
            try:
                status, raw = self._send(method, path, data, headers)
            except APIError as e:
                if e.status == 401 and auth and self._use_tokens and attempt == 0:
                    self._access = None  # revoked or expired early: renew once
                    attempt += 1
                    continue
                if e.status in _RETRYABLE and attempt < self._max_retries:
                    attempt += 1
                    wait = e.retry_after if e.retry_after is not None else min(2.0 ** attempt * 0.25, 8.0)
                    self._sleep(min(wait, self._max_retry_wait))
                    continue
                raise
            if status == 204 or not raw:
                return None
            return json.loads(raw.decode("utf-8"))

    def _send(self, method: str, path: str, data: Optional[bytes], headers: Dict[str, str]):
        req = urllib.request.Request(self._base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as resp:  # noqa: S310 - scheme checked
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            raise _error_from(e) from None


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_from(e: urllib.error.HTTPError) -> APIError:
    raw = e.read() or b""
    problem: Dict[str, Any] = {}
    try:
        problem = json.loads(raw.decode("utf-8")) if raw else {}
    except (ValueError, UnicodeDecodeError):
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    ptype = str(problem.get("type", ""))
    # The code is the type URI's fragment (docs/problems.md#<code>), or its
    # last path segment for a server older than that form.
    code = re.split(r"[#/]", ptype)[-1] if ptype else "http_%d" % e.code
    fields: List[Dict[str, Any]] = [f for f in problem.get("errors") or [] if isinstance(f, dict)]
    cls = RateLimited if e.code == 429 else APIError
    return cls(e.code, code, str(problem.get("detail", e.reason or "")),
               str(problem.get("request_id", e.headers.get("X-Request-ID", "") if e.headers else "")),
               fields, _retry_after(e.headers.get("Retry-After") if e.headers else None))
