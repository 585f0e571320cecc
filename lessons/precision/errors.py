"""Errors raised by the precision domain.

Every input problem is a :class:`PrecisionInputError`, a ``ValueError`` that
names the offending field, so that the HTTP layer can answer 400 and point at
the field without knowing anything about the calculation.
"""

from __future__ import annotations

from collections.abc import Mapping


class PrecisionInputError(ValueError):
    """One or more inputs are invalid.

    Attributes:
        errors: Every problem found, as ``{field: message}``, in the order found.
        field: The first offending field.
        message: The message for the first offending field.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        if not errors:
            raise ValueError("PrecisionInputError needs at least one error")
        self.errors: dict[str, str] = dict(errors)
        self.field, self.message = next(iter(self.errors.items()))
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))

    @classmethod
    def single(cls, field: str, message: str) -> PrecisionInputError:
        """Build the error for one field.

        Args:
            field: The offending field's name.
            message: What is wrong with it.

        Returns:
            The error, ready to raise.
        """
        return cls({field: message})


class UnknownFormatError(PrecisionInputError):
    """A number format name is not in the registry."""

    def __init__(self, name: object, valid: tuple[str, ...], *, field: str) -> None:
        self.name = name
        self.valid = valid
        super().__init__(
            {field: f"unknown format {name!r}; valid formats: {', '.join(valid)}"}
        )
