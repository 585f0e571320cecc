"""The 16 NF4 code values, kept in this one place.

Once ``lessons/precision/formats.py`` (which exports ``NF4_VALUES``) is part
of the project, this module imports the table from there instead.
"""

from __future__ import annotations

# QLoRA (Dettmers et al. 2023, appendix E), as bitsandbytes stores them.
NF4_VALUES: tuple[float, ...] = (
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
)
