"""HTTP endpoint of the internal RFC 3161 TSA (RFC 3161 §3.4, "TSA using HTTP").

POST with ``Content-Type: application/timestamp-query`` and a DER TimeStampReq; the answer is
always ``application/timestamp-reply``: granted, or a rejection with HTTP 400 for a request
that is malformed or uses the wrong content type. Never a 500 for a bad request.
The endpoint is public (validators and other systems call it without a session) and exempt
from CSRF (no cookies are used).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .tsa import (
    TIMESTAMP_QUERY,
    TIMESTAMP_REPLY,
    TimeStampResponse,
    TsaConfigurationError,
    internal_tsa,
    rejection,
)

logger = logging.getLogger(__name__)

# A TimeStampReq with a SHA-512 imprint, nonce and policy is well under 200 bytes.
MAX_REQUEST_BYTES = 4096


def _reply(response: TimeStampResponse, status: int) -> HttpResponse:
    return HttpResponse(response.dump(), content_type=TIMESTAMP_REPLY, status=status)


@csrf_exempt
@require_POST
def timestamp(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type != TIMESTAMP_QUERY:
        return _reply(
            rejection("bad_request", f"Content-Type must be {TIMESTAMP_QUERY}"), status=400
        )
    body = request.body
    if len(body) > MAX_REQUEST_BYTES:
        return _reply(rejection("bad_data_format", "request too large"), status=400)
    try:
        tsa = internal_tsa()
    except (TsaConfigurationError, OSError, ValueError):
        logger.exception("internal TSA unavailable")
        return _reply(
            rejection("system_failure", "time-stamping service not available"), status=503
        )
    response = tsa.response(body)
    granted = response["status"]["status"].native in ("granted", "granted_with_mods")
    return _reply(response, status=200 if granted else 400)
