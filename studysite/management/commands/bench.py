"""``manage.py bench`` (``make bench``): run the benchmarks and print figures.

Each app may have a ``benchmarks.py`` whose ``bench_*`` functions take the
command's ``out`` writer and ``quick`` flag and print their own figures.
Benchmarks run against whatever database the settings point at; the
Postgres figures come from running it with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the benchmarks of every app (or those named) and print figures."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("names", nargs="*", help="app or app.bench_name to run")
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
        found = []
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.benchmarks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.benchmarks":
                    raise
                continue
            for attr in sorted(dir(module)):
                if attr.startswith("bench_") and callable(getattr(module, attr)):
                    found.append((f"{config.name}.{attr}", getattr(module, attr)))
        return found
