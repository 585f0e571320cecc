"""The XSS corpus shared by the security tests: this folder's payloads (which
set ``window.__xss``) and the flashcards app's (which call ``alert``)."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CORPORA = (
    TESTS / "security" / "xss_payloads.txt",
    TESTS / "flashcards" / "xss_payloads.txt",
)


def payloads() -> list[str]:
    found: list[str] = []
    for path in CORPORA:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip() and not line.startswith("# ") and line not in found:
                    found.append(line)
    return found
