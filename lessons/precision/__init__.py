"""The precision domain: number formats, memory and compute formulas.

Pure Python (numpy and ml_dtypes): imports nothing from Django, knows nothing
of HTTP, the ORM or Celery. Every figure the lesson shows is computed here.
"""

from lessons.precision.errors import PrecisionInputError, UnknownFormatError
from lessons.precision.formats import (
    FORMAT_NAMES,
    NF4_VALUES,
    Encoding,
    NumberFormat,
    all_formats,
    decode_bits,
    encode,
    lookup,
    round_to,
    smallest_update_that_changes,
    spacing,
)

__all__ = [
    "FORMAT_NAMES",
    "NF4_VALUES",
    "Encoding",
    "NumberFormat",
    "PrecisionInputError",
    "UnknownFormatError",
    "all_formats",
    "decode_bits",
    "encode",
    "lookup",
    "round_to",
    "smallest_update_that_changes",
    "spacing",
]
