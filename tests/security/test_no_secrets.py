"""No secret in the repository: private keys, cloud and service tokens, or
passwords and secret keys other than the documented demo values."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PATTERNS = {
    "private key": re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY"
    ),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe key": re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{20,}"),
    "JWT": re.compile(
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    ),
    "URL with a password": re.compile(
        r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:([^\s@/'\"]{3,})@"
    ),
    "secret assignment": re.compile(
        r"""(?i)\b(?:secret_key|api_key|apikey|access_token|auth_token|password|passwd)\s*[:=]\s*["']([^"'\s]{8,})["']"""
    ),
}

# Documented, deliberately public values: the dev-only key (refused when
# DEBUG is off), the compose file's local Postgres, test and example passwords.
ALLOWED_VALUES = {
    "dev-only-insecure-key-change-me-in-production-0123456789abcdef",
    "study",  # docker-compose.yml / .env.example: the local Postgres
    "correct-horse-battery",  # tests/factories.py PASSWORD
}
ALLOWED_PREFIXES = ("tests/",)  # made-up credentials for test users
BINARY = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".apkg",
    ".sqlite3",
}


def _tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in out.split("\0") if name]


def test_no_tracked_file_holds_a_secret():
    found = []
    for path in _tracked_files():
        rel = path.relative_to(ROOT).as_posix()
        if path.suffix.lower() in BINARY or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                value = match.group(1) if match.groups() else match.group(0)
                if value in ALLOWED_VALUES or rel.startswith(ALLOWED_PREFIXES):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{rel}:{line}: {kind}")
    assert found == []


def test_no_env_file_or_key_file_is_tracked():
    names = [p.relative_to(ROOT).as_posix() for p in _tracked_files()]
    bad = [
        n
        for n in names
        if re.search(r"(^|/)\.env$|\.pem$|\.key$|id_rsa|id_ed25519|\.p12$|\.pfx$", n)
    ]
    assert bad == []


def test_the_scanner_finds_what_it_looks_for():
    samples = {
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "URL with a password": "redis://user:" + "hunter22@cache:6379/0",
        "secret assignment": "SECRET_KEY = '" + "s3cr3t-value-long" + "'",
    }
    for kind, sample in samples.items():
        assert PATTERNS[kind].search(sample), kind
