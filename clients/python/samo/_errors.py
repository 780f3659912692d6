"""Typed errors raised by samo.Client."""

from typing import Any, Dict, List, Optional


class APIError(Exception):
    """An error answer of the SAMO API (an RFC 9457 problem document).

    status is the HTTP status, code the last segment of the problem type
    (described in docs/problems.md), detail the human explanation,
    request_id the X-Request-ID to quote when reporting, and fields the
    invalid fields as dicts with "field", "code" and "message".
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        request_id: str = "",
        fields: Optional[List[Dict[str, Any]]] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}" + (f" (request {request_id})" if request_id else ""))
        self.status = status
        self.code = code
        self.detail = detail
        self.request_id = request_id
        self.fields = fields or []
        self.retry_after = retry_after


class RateLimited(APIError):
    """A 429 answer; retry_after is the number of seconds to wait (or None)."""


class InsecureTransportError(ValueError):
    """Credentials would be sent over plain HTTP to a non-loopback host."""
