from __future__ import annotations

import base64
import hashlib
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the signed-in user's time zone; storage stays UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def content_security_policy(directives: Mapping[str, Iterable[str]]) -> str:
    """One header value from {"script-src": ["'self'"], ...}, in the given order."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


# Inline <script> elements without src (any attributes but src, then the body).
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)


def _inline_script_hashes(html: bytes) -> list[str]:
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
        if body.strip()
    ]


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none.

    A response that sets its own policy (the media view's sandbox) keeps it.
    Our templates hold no inline script or handler (tests/security/test_headers.py
    scans them), so script-src is just 'self'.
    """

    # The Swagger UI page (drf-spectacular's SpectacularSwaggerView) renders its
    # start-up code inline, with the CSRF token in it, so it changes per request.
    # Only on that page, script-src also allows the sha256 of each inline script
    # of that very response; handlers, javascript: URLs and scripts added later
    # stay blocked. (SpectacularSwaggerSplitView would make this unnecessary.)
    INLINE_HASHED_VIEWS = frozenset({"api-docs"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.directives = {
            name: list(sources)
            for name, sources in settings.CONTENT_SECURITY_POLICY.items()
        }
        self.policy = content_security_policy(self.directives)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self._policy_for(request, response)
        return response

    def _policy_for(self, request: HttpRequest, response: HttpResponse) -> str:
        match = getattr(request, "resolver_match", None)
        if (
            match is None
            or match.view_name not in self.INLINE_HASHED_VIEWS
            or response.streaming
        ):
            return self.policy
        hashes = _inline_script_hashes(response.content)
        if not hashes:
            return self.policy
        directives = dict(self.directives)
        directives["script-src"] = [*directives.get("script-src", ["'self'"]), *hashes]
        return content_security_policy(directives)
