"""The errors services and selectors raise: what went wrong, never how to say it.

A service knows that a field is wrong, that an object is not there for this
user, that an action is not allowed, that two writes crossed or that a
background service is down. It does not know about HTTP. The API maps these to
the one error body (`studysite.api_errors.exception_handler`); the pages map
them to form errors (`add_to_form`), a 404 or a message
(`studysite.middleware.DomainErrorMiddleware`).

    raise Invalid({"answer": "Type a number, such as 14 or 1.5e3."})
    raise NotFound("No such deck.")

Pure: imports nothing from Django, so pure packages and tests may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a service or selector raises on purpose."""

    code: ClassVar[str] = "error"
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class Invalid(DomainError):
    """Input that fails a rule, keyed by the field at fault.

    ``fields`` maps each field to its messages; a rule about no single field
    goes under ``non_field_errors``.
    """

    code = "invalid"
    default_message = "Invalid input."

    def __init__(
        self, fields: Mapping[str, str | list[str]] | str, *, code: str | None = None
    ) -> None:
        if isinstance(fields, str):
            fields = {"non_field_errors": fields}
        self.fields: dict[str, list[str]] = {
            str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for name, msgs in fields.items()
        }
        if code is not None:
            self.code = code  # type: ignore[misc]  # one error, its own code
        super().__init__(
            "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.fields.items())
        )


class NotFound(DomainError):
    """The object does not exist, or is not there for this user (never say which)."""

    code = "not_found"
    default_message = "Not found."


class Forbidden(DomainError):
    """The user may see the object but may not do this to it."""

    code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class Conflict(DomainError):
    """The object changed at the same time, or is in a state that refuses this."""

    code = "conflict"
    default_message = "The resource changed at the same time; reload and try again."


class TooMany(DomainError):
    """The user already has as much of this under way as one may at once."""

    code = "too_many"
    default_message = "Too much is under way at once; wait for some of it to finish."


class Unavailable(DomainError):
    """A background service (the broker, a worker queue) cannot take the work now."""

    code = "unavailable"
    default_message = "A background service is unavailable; try again shortly."


def add_to_form(form: Any, error: Invalid, *, prefix: str = "") -> None:
    """Put an `Invalid` onto a Django form: known fields by name, the rest on top.

    ``prefix`` is taken off each name first (a note's ``fields.front`` is the
    form's ``front``).
    """
    known = getattr(form, "fields", {})
    for name, messages in error.fields.items():
        bare = name.removeprefix(prefix) if prefix else name
        target = bare if bare in known else None
        for message in messages:
            form.add_error(target, message)
