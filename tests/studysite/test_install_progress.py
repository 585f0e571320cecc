"""The first `make run` says what pip is doing instead of nothing for minutes."""

from __future__ import annotations

import io
import itertools
import sys
from pathlib import Path

from studysite import install_progress

PIP_LINES = [
    "Obtaining file:///work/main",
    "Collecting django>=5.1",
    "  Downloading django-5.2-py3-none-any.whl (8.2 MB)",
    "Requirement already satisfied: asgiref in ./.venv/lib/python3.11/site-packages",
    "Collecting numpy",
    "Building wheel for studysite (pyproject.toml)",
    "Installing collected packages: numpy, django, studysite",
    "Successfully installed django-5.2 numpy-2.1 studysite-0.1",
]


def _fake_pip(tmp_path: Path, *, status: int = 0) -> list[str]:
    script = tmp_path / "fake_pip.py"
    body = "\n".join(f"print({line!r})" for line in PIP_LINES)
    script.write_text(f"import sys\n{body}\nsys.exit({status})\n")
    return [sys.executable, str(script)]


def _run(tmp_path: Path, *, status: int = 0, interactive: bool = False):
    out = io.StringIO()
    log = tmp_path / "var" / "pip.log"
    code = install_progress.run(
        _fake_pip(tmp_path, status=status),
        log=log,
        out=out,
        interactive=interactive,
        clock=itertools.count(0, 7),
    )
    return code, out.getvalue(), log


def test_progress_names_what_pip_is_doing_and_how_long_it_took(tmp_path):
    code, text, log = _run(tmp_path)
    assert code == 0
    assert "pip is installing the packages" in text
    assert "finding packages: 1 so far (django, 14s)" in text
    assert "installing 3 packages (" in text
    assert "3 packages installed in" in text
    assert "Downloading" not in text  # pip's own lines go to the log
    assert "Downloading django" in log.read_text()


def test_on_a_terminal_the_count_is_updated_in_place(tmp_path):
    _, text, _ = _run(tmp_path, interactive=True)
    assert "\r  finding packages: 3 so far (numpy" in text
    assert "\r  downloading django (8.2 MB)" in text


def test_a_failed_install_exits_non_zero_and_shows_pips_last_lines(tmp_path):
    code, text, _ = _run(tmp_path, status=3)
    assert code == 3
    assert "the install failed after" in text
    assert "    Successfully installed" in text


def test_the_command_line_needs_a_command(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        install_progress.main(["--log", "x.log"])
    assert exc.value.code == 2
    assert "install command" in capsys.readouterr().err
