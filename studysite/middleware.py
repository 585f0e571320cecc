from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from studysite import errors
from studysite.api_errors import status_of


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


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none.

    A response that sets its own policy (the media view's sandbox) keeps it.
    Our templates hold no inline script or handler (tests/security/test_headers.py
    scans them), so script-src is just 'self'.
    """

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
            response["Content-Security-Policy"] = self.policy
        return response


class DomainErrorMiddleware:
    """A page view that lets a domain error escape answers as HTTP would.

    `NotFound` is the 404 page and `Forbidden` the 403 page; an `Invalid`,
    `Conflict` or `Unavailable` a view did not turn into a form error is a 400,
    409 or 503 page that says the message. API views never get here: their
    exception handler answers first (`studysite.api_errors`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, errors.DomainError):
            return None
        if isinstance(exception, errors.NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, errors.Forbidden):
            raise PermissionDenied(exception.message) from exception
        status = status_of(exception)
        body = render_to_string(
            "errors/domain.html",
            {"status": status, "message": exception.message},
            request=request,
        )
        return HttpResponse(body, status=status)
