"""What the first ``make run`` prints while pip sets up ``.venv``.

pip, run quietly, says nothing for the minutes a first install takes, and a
newcomer thinks it hung; run loudly, it prints hundreds of lines. This runs the
install command it is given and prints, instead, what it is doing: one line
when it starts, the packages found so far with the last one's name (updated in
place on a terminal, every few packages otherwise), the number being
installed, and the time it took. pip's full output goes to a log file, whose
last lines are shown if the install fails.

Run with the standard library only (there is no virtualenv yet)::

    python3 studysite/install_progress.py --log var/pip-install.log -- \\
        .venv/bin/python -m pip install -e ".[dev]"
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

COLLECTING = re.compile(r"^\s*Collecting (?P<name>[A-Za-z0-9_.\-\[\]]+)")
SATISFIED = re.compile(r"^\s*Requirement already satisfied: (?P<name>[A-Za-z0-9_.\-]+)")
INSTALLING = re.compile(r"^\s*Installing collected packages: (?P<names>.*)$")
BUILDING = re.compile(r"^\s*Building (wheel|editable) for (?P<name>\S+)")
DOWNLOADING = re.compile(
    r"^\s*Downloading (?P<file>\S+?)(-\d[^ ]*)? \((?P<size>[^)]+)\)"
)
TAIL_LINES = 30
EVERY = 10  # packages between two progress lines when the output is no terminal


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Turns pip's lines into a few progress lines on ``out``."""

    def __init__(self, out: TextIO, *, interactive: bool, started: float) -> None:
        self.out = out
        self.interactive = interactive
        self.started = started
        self.found = 0
        self.installing = 0
        self._last_len = 0
        self._built: set[str] = set()

    def _say(self, text: str, *, transient: bool) -> None:
        if self.interactive and transient:
            pad = max(0, self._last_len - len(text))
            self.out.write("\r" + text + " " * pad)
            self._last_len = len(text)
        else:
            if self.interactive and self._last_len:
                self.out.write("\n")
            self.out.write(text + "\n")
            self._last_len = 0
        self.out.flush()

    def feed(self, line: str, *, now: float) -> None:
        for pattern in (COLLECTING, SATISFIED):
            match = pattern.match(line)
            if match:
                self.found += 1
                if self.interactive or self.found % EVERY == 1:
                    self._say(
                        f"  finding packages: {self.found} so far "
                        f"({match['name']}, {_elapsed(now - self.started)})",
                        transient=True,
                    )
                return
        match = DOWNLOADING.match(line)
        if match and self.interactive:
            name = match["file"].rsplit("/", 1)[-1]
            self._say(f"  downloading {name} ({match['size']})", transient=True)
            return
        match = BUILDING.match(line)
        if match and match["name"] not in self._built:
            self._built.add(match["name"])
            self._say(f"  building {match['name']}", transient=True)
            return
        match = INSTALLING.match(line)
        if match:
            self.installing = len([n for n in match["names"].split(",") if n.strip()])
            self._say(
                f"  installing {self.installing} packages "
                f"({_elapsed(now - self.started)} so far)…",
                transient=False,
            )

    def done(self, *, ok: bool, now: float) -> None:
        took = _elapsed(now - self.started)
        if ok:
            what = (
                f"{self.installing} packages installed"
                if self.installing
                else "up to date"
            )
            self._say(f"  {what} in {took}.", transient=False)
        else:
            self._say(f"  the install failed after {took}.", transient=False)


def run(
    command: Sequence[str],
    *,
    log: Path,
    out: TextIO,
    interactive: bool,
    clock: Iterable[float] | None = None,
) -> int:
    """Run ``command``, log its output to ``log`` and report progress on ``out``.

    Returns the command's exit status.
    """
    ticks = iter(clock) if clock is not None else None
    now: Callable[[], float] = (
        (lambda: next(ticks)) if ticks is not None else time.monotonic
    )
    started = now()
    log.parent.mkdir(parents=True, exist_ok=True)
    out.write(
        "Setting up .venv: pip is installing the packages the site needs "
        "(first run only; a few minutes).\n"
    )
    out.write(f"  pip's own output goes to {log}\n")
    out.flush()
    progress = Progress(out, interactive=interactive, started=started)
    with (
        log.open("w", encoding="utf-8") as sink,
        subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.write(line)
            progress.feed(line, now=now())
        status = proc.wait()
    progress.done(ok=status == 0, now=now())
    if status != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-TAIL_LINES:]
        out.write("  the last lines pip wrote:\n")
        out.writelines(f"    {line}\n" for line in tail)
        out.flush()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log", type=Path, required=True, help="where pip's output goes"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the install command after --")
    return run(command, log=args.log, out=sys.stdout, interactive=sys.stdout.isatty())


if __name__ == "__main__":
    sys.exit(main())
