"""Who is asking (the client's address), and the rate limits keyed on it.

``client_address`` is the one place the site decides where a request came
from. It trusts ``X-Forwarded-For`` only as far as the operator says there are
proxies in front (``NUM_PROXIES``, 0 by default): each trusted proxy appends
the address it was connected from, so with ``n`` proxies the client is the
``n``-th entry from the end and anything before it is whatever the client
wrote. With no proxy the address is the socket's (``REMOTE_ADDR``), and the
header is ignored. This is DRF's ``BaseThrottle.get_ident`` rule with
``NUM_PROXIES`` set (the settings give DRF the same number), so a DRF throttle
class used anywhere and the site's own limits count the same client.

The throttle classes here are DRF's with that lookup; the settings make them
the defaults. ``count_hit`` is the fixed-window counter behind the limits that
are not DRF throttles (the login page, password resets).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    """The address of the client that sent ``request``.

    ``REMOTE_ADDR`` unless ``NUM_PROXIES`` trusted proxies are in front, in
    which case the address the outermost of them saw (from the right of
    ``X-Forwarded-For``); a client cannot choose it by writing the header.
    """
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    proxies: int = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or forwarded is None:
        return remote
    entries = forwarded.split(",")
    return entries[-min(proxies, len(entries))].strip()


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/min"`` -> (10 requests, 60 seconds), as DRF spells rates."""
    allowed, seconds = throttling.SimpleRateThrottle.parse_rate(None, rate)
    return allowed, seconds


def rate_for(scope: str) -> tuple[int, int]:
    """The configured rate of a scope (``DEFAULT_THROTTLE_RATES``)."""
    return parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])


def hits(key: str) -> int:
    """How many hits ``key`` has in its current window."""
    value = cache.get(key, 0)
    return value if isinstance(value, int) else 0


def count_hit(key: str, *, seconds: int) -> int:
    """Count one hit on ``key`` in a window of ``seconds``; the new count."""
    if cache.add(key, 1, timeout=seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


class _ClientAddress:
    def get_ident(self, request: Request) -> str:
        return client_address(request)


class AnonRateThrottle(_ClientAddress, throttling.AnonRateThrottle):
    """DRF's anonymous rate, per client address."""


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    """DRF's per-user rate (per client address for anonymous requests)."""


class ScopedRateThrottle(_ClientAddress, throttling.ScopedRateThrottle):
    """DRF's per-view scope (``throttle_scope``), per user or client address."""
