"""One Redis URL, spelt the three ways its clients want it.

Celery's broker and result backend take ``redis+socket:///path`` for a Unix
socket, redis-py (the Django cache) takes ``unix:///path``; for TCP all three
take ``redis://``. The embedded Redis that ``make run`` starts listens on a
socket under ``var/``, so it never competes for a port.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Unix socket paths are limited to 107 bytes on Linux.
_MAX_SOCKET_PATH = 100


def embedded_socket_path(var_dir: Path) -> Path:
    path = Path(var_dir).resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"studysite-{digest}.sock"


@dataclass(frozen=True)
class RedisUrls:
    url: str
    broker_url: str
    backend_url: str
    cache_url: str
    socket_path: str | None

    @classmethod
    def from_url(cls, url: str) -> RedisUrls:
        if url.startswith("unix://"):
            path = url.removeprefix("unix://")
            socket_url = f"redis+socket://{path}"
            return cls(url, socket_url, socket_url, url, path)
        return cls(url, url, url, url, None)
