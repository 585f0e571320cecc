"""Typed readers for settings that come from the environment.

Each reader raises ``ImproperlyConfigured`` with the variable's name and what it
expected, so a bad value stops start-up with one clear line instead of a
traceback deep inside Django.
"""

from __future__ import annotations

import os
import zoneinfo

from django.core.exceptions import ImproperlyConfigured


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, got {value!r}")
    return value == "True"


def envint(name: str, default: str, *, minimum: int | None = None) -> int:
    value = os.environ.get(name, default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be an integer, got {value!r}"
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def envfloat(name: str, default: str, *, minimum: float | None = None) -> float:
    value = os.environ.get(name, default)
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def envlist(name: str, default: str) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def envtimezone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone, got {value!r}"
        ) from None
    return value


def envurl(name: str, *, schemes: tuple[str, ...]) -> str | None:
    """An optional URL whose scheme must be one of ``schemes``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        expected = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(
            f"{name} must start with one of {expected}; got {value!r}"
        )
    return value
