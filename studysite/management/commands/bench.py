"""``manage.py bench`` (``make bench``): run the benchmarks and print figures.

The benchmarks live in ``tests/bench/``, not in the apps: each module there
holds ``bench_*`` functions that take the command's ``out`` writer and
``quick`` flag and print their own figures, and ``tests.bench.SUITES`` groups
the modules under the names a user types (``flashcards``,
``flashcards.bench_round_trip``). This is a maintainers' command: it imports
``tests.bench`` lazily, when it runs, so the site itself never imports the
tests (and an image without ``tests/`` only loses this command). Benchmarks
run against whatever database the settings point at; the Postgres figures
come from running it with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the benchmarks of tests/bench/ (every group, or those named: "
        "studysite, lessons, flashcards, workers, or group.bench_name) and "
        "print figures."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "names",
            nargs="*",
            help="group (studysite, lessons, flashcards, workers) or group.bench_name",
        )
        parser.add_argument("--quick", action="store_true", help="smaller sizes")

    def handle(self, *args: Any, names: list[str], quick: bool, **options: Any) -> None:
        found = self._collect()
        if names:
            found = [
                (n, f)
                for n, f in found
                if any(n == x or n.startswith(f"{x}.") for x in names)
            ]
            if not found:
                raise CommandError(f"No benchmark matches {', '.join(names)}.")
        for name, func in found:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            started = time.perf_counter()
            func(out=self.stdout, quick=quick)
            self.stdout.write(f"   ({time.perf_counter() - started:.1f} s)")

    def _collect(self) -> list[tuple[str, Any]]:
        """Every group's ``bench_*`` functions, ``group.bench_name``, in order."""
        try:
            from tests.bench import SUITES
        except ModuleNotFoundError as exc:
            if exc.name not in {"tests", "tests.bench"}:
                raise
            raise CommandError(
                "The benchmarks live in tests/bench/ of a source checkout; "
                "run manage.py bench from the repository root."
            ) from None
        found = []
        for group, module_names in SUITES.items():
            funcs: dict[str, Any] = {}
            for module_name in module_names:
                module = importlib.import_module(module_name)
                for attr, value in vars(module).items():
                    if (
                        attr.startswith("bench_")
                        and callable(value)
                        and getattr(value, "__module__", None) == module.__name__
                    ):
                        funcs[attr] = value
            found += [(f"{group}.{attr}", funcs[attr]) for attr in sorted(funcs)]
        return found
