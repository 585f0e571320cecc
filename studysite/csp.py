"""Where browsers report Content-Security-Policy violations (report-uri).

Two body shapes arrive: the classic ``report-uri`` one, ``{"csp-report": {...}}``
with ``application/csp-report``, and the Reporting API's list of
``{"type": "csp-violation", "body": {...}}``. Each report becomes one warning in
the log naming the violated directive and the blocked URI. Anyone may post here
(a browser sends no CSRF token), so the body is small, read with a limit, and
anything but a report is a 400. Each address may send THROTTLE_CSP_REPORTS
(60 a minute by default); past that a 429, and nothing is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.throttling import SimpleRateThrottle

from studysite.throttling import client_address

logger = logging.getLogger("studysite.csp")

# The longest value written to the log, and the most reports one body may carry.
MAX_LOGGED_CHARS = 300
MAX_REPORTS_PER_BODY = 20


def _text(value: Any) -> str:
    """A short, single-line, printable rendering of one reported value."""
    text = value if isinstance(value, str) else json.dumps(value)
    text = "".join(c if c.isprintable() else "?" for c in text)
    if len(text) > MAX_LOGGED_CHARS:
        text = text[:MAX_LOGGED_CHARS] + "…"
    return text


def _reports(data: Any) -> Iterator[dict[str, Any]]:
    """The violation reports in a body, each as {"directive", "blocked", "page"}."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        report = data["csp-report"]
        yield {
            "directive": report.get("effective-directive")
            or report.get("violated-directive"),
            "blocked": report.get("blocked-uri"),
            "page": report.get("document-uri"),
        }
    elif isinstance(data, list):
        for entry in data:
            if not isinstance(entry, dict) or entry.get("type") != "csp-violation":
                continue
            body = entry.get("body")
            if isinstance(body, dict):
                yield {
                    "directive": body.get("effectiveDirective"),
                    "blocked": body.get("blockedURL"),
                    "page": body.get("documentURL"),
                }


def _over_rate(request: HttpRequest) -> int | None:
    """Seconds to wait if this address sent its share of reports, else None."""
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["csp_report"]
    allowed, seconds = SimpleRateThrottle.parse_rate(None, rate)
    key = f"csp-report-throttle:{client_address(request)}"
    if cache.add(key, 1, timeout=seconds) is False:
        try:
            count = cache.incr(key)
        except ValueError:  # expired in between (or the cache is down)
            cache.set(key, 1, timeout=seconds)
            count = 1
        if count > allowed:
            return seconds
    return None


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a browser's CSP violation report; 204, 400 for anything else, 429
    past the rate."""
    wait = _over_rate(request)
    if wait is not None:
        response = HttpResponse("too many reports", status=429)
        response["Retry-After"] = str(wait)
        return response
    limit: int = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponseBadRequest("bad Content-Length")
    if declared > limit:
        return HttpResponseBadRequest("report too large")
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponseBadRequest("report too large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # ValueError covers UnicodeDecodeError
        return HttpResponseBadRequest("not a JSON report")
    reports = [r for r in _reports(data) if isinstance(r["directive"], str)]
    if not reports or len(reports) > MAX_REPORTS_PER_BODY:
        return HttpResponseBadRequest("not a CSP violation report")
    for report in reports:
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            _text(report["directive"]),
            _text(report["blocked"] or "?"),
            _text(report["page"] or "?"),
        )
    return HttpResponse(status=204)
