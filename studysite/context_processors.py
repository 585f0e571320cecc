from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, url name, needs sign-in). An app's entry shows once the app
# registers the URL name, so the navigation never links to a missing page.
NAVIGATION = (
    ("Lessons", "lessons:index", False),
    ("Study", "flashcards:study", True),
    ("Practice", "quizzes:practice", True),
    ("Demos", "workers:demo-list", False),
    ("Progress", "progress:dashboard", True),
    ("Classes", "classes:list", True),
    ("Scheduler", "workers:scheduler", True),
    ("API", "api-docs", False),
)


def _navigation(request: HttpRequest) -> list[dict[str, object]]:
    signed_in = request.user.is_authenticated if hasattr(request, "user") else False
    items = []
    for label, name, needs_user in NAVIGATION:
        if needs_user and not signed_in:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active})
    return items


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEBUG": settings.DEBUG,
        "navigation": _navigation(request),
    }
