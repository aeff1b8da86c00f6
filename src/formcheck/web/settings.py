"""The web app's settings: where it stores files, which database, limits, access token."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from formcheck.errors import ConfigError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
DEFAULT_MAX_UPLOAD_BYTES = 1 << 30  # 1 GiB (issue 10)
DEFAULT_MAX_DURATION_S = 15 * 60.0  # 15 min (issue 10)


def default_data_dir() -> Path:
    """Return the default folder for uploads and reports: ``web`` in the user data dir."""
    return platformdirs.user_data_path("formcheck", appauthor=False) / "web"


def is_loopback(host: str) -> bool:
    """Return True when ``host`` only accepts connections from this machine."""
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebSettings:
    """Everything ``formcheck serve`` can choose; checked once by :meth:`checked`.

    ``token`` is required on every request when the host is not a loopback address; it is
    generated when not given. ``workers`` is the number of analysis processes (default one
    per core); more uploads than that wait in the queue.
    """

    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    token: str | None = None
    cache_dir: Path | None = None
    poll_s: float = 0.25

    @property
    def needs_token(self) -> bool:
        """Return True when requests must carry the access token (a non-loopback host)."""
        return not is_loopback(self.host)

    def checked(self) -> WebSettings:
        """Return these settings with defaults filled in; raise ConfigError naming every bad one."""
        problems = []
        if not 0 < self.port < 65536:
            problems.append(f"--port: expected 1-65535, got {self.port}")
        if self.workers < 0:
            problems.append(f"--workers: expected 0 (one per core) or more, got {self.workers}")
        if self.max_upload_bytes <= 0:
            problems.append(f"--max-upload-mb: expected > 0, got {self.max_upload_bytes}")
        if self.max_duration_s <= 0:
            problems.append(f"--max-duration-s: expected > 0 s, got {self.max_duration_s:g}")
        if problems:
            raise ConfigError("; ".join(problems))
        token = self.token
        if self.needs_token and not token:
            token = secrets.token_urlsafe(24)
        workers = self.workers or max(1, os.cpu_count() or 1)
        from formcheck.log.db import resolve_url  # SQLAlchemy only when the server starts

        db_url = resolve_url(self.db_url)  # the training log's database, as `formcheck log`
        return WebSettings(
            data_dir=Path(self.data_dir), db_url=db_url, host=self.host, port=self.port,
            workers=workers, max_upload_bytes=self.max_upload_bytes,
            max_duration_s=self.max_duration_s, token=token, cache_dir=self.cache_dir,
            poll_s=self.poll_s,
        )
