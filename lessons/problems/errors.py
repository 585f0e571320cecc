"""The error every bad input to the problem package raises: it names the field."""


class ProblemInputError(ValueError):
    """A bad template key, seed, limit or part; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
