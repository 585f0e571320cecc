"""The benchmarks that ``make bench`` (``manage.py bench``) runs: figures, not tests.

Each module holds the ``bench_<name>(*, out, quick)`` functions of one area
(``out`` is the command's writer, ``quick`` asks for smaller sizes), plus the
builders they need. `SUITES` names the groups a user types on the command line
(``manage.py bench flashcards`` or ``flashcards.bench_round_trip``) and the
modules each group runs; a group's benchmarks run in name order, the groups in
the order of the site's apps. `fitting` and `scratch` are helpers of the
others, with no benchmarks of their own to run.

Nothing here is imported by the site's own code paths: only the ``bench``
command imports this package, lazily. Importing it loads no Django.
"""

from __future__ import annotations

SUITES: dict[str, tuple[str, ...]] = {
    "studysite": ("tests.bench.studysite",),
    "lessons": ("tests.bench.lessons", "tests.bench.classes", "tests.bench.quizzes"),
    "flashcards": (
        "tests.bench.flashcards",
        "tests.bench.progress",
        "tests.bench.interop",
        "tests.bench.anki_package",
    ),
    "workers": ("tests.bench.workers",),
}
