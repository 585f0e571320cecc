"""Errors in lesson content: every problem names its file and field."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ContentError", "UnknownPlaceholderError"]


class ContentError(ValueError):
    """Lesson content is invalid; every problem names its file and field.

    Attributes:
        problems: One line per problem, ``"<file>: <field>: <message>"``.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class UnknownPlaceholderError(ContentError):
    """The text uses ``{{ key }}`` placeholders that the values map lacks.

    Attributes:
        keys: The unknown keys, sorted.
    """

    def __init__(self, keys: Iterable[str], *, source: str = "<text>") -> None:
        self.keys = tuple(sorted(set(keys)))
        super().__init__([f"{source}: unknown placeholders: {', '.join(self.keys)}"])
