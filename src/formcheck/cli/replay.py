"""Replaying ``formcheck analyze``: an identical command prints and writes what it did last time.

It does so without loading numpy, the model or the analysis.

A re-run of a cached clip used to spend about a second importing numpy, pydantic, PyAV and
scipy, reading the pose track, hashing it and reading the finished analysis back, to print
the same tables and write the same JSON. This module keeps what such a run printed (the
terminal text as rendered, colours included) and the files it wrote, under a key over
everything that output depends on, so the next identical command only has to check the key.

Notes
-----
The key is a SHA-256 over:

- the clip's content hash (remembered by the file's identity, see
  :mod:`formcheck.capture.fingerprint`: an edited or replaced clip misses);
- every flag as parsed, output paths included (the terminal lines name them), and the
  working folder (relative paths);
- the bytes of the ``--config`` and ``--rules`` files;
- every ``FORMCHECK_*`` environment variable, and what decides how the terminal renders:
  whether stdout is a terminal, its size, and the variables rich reads (``TERM``,
  ``COLORTERM``, ``NO_COLOR``, ``FORCE_COLOR``, ...);
- the code: the bytes of every file of the formcheck package, Python's version, and the
  name (with version) of every distribution installed where Python looks for packages, so
  upgrading numpy, scipy, MediaPipe or anything else misses.

Only a run whose pose track was read from the cache is kept (its JSON says "loaded from
cache", as every later run's does), and a replay happens only while that cached track is
still there: clearing the track cache forces a real run. ``--no-cache`` neither reads nor
writes entries, and ``--out`` and ``--all-people`` always run (a report is rendered anew).
Entries are JSON files under ``replays/`` in the cache folder, written atomically; one that
does not read back is a miss and is overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from formcheck.capture.fingerprint import ClipHash, clip_sha256, code_digest

FORMAT = "formcheck.replay/1"
# Environment variables rich reads to choose the width and colours of what it prints.
_TERMINAL_ENV = (
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)


def installed_distributions() -> list[str]:
    """Return the ``NAME-VERSION.dist-info`` (and ``.egg-info``) entries on ``sys.path``."""
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue  # a zip file or a folder that is gone
        found.update(n for n in names if n.endswith((".dist-info", ".egg-info")))
    return sorted(found)


def _terminal() -> dict[str, object]:
    size = os.get_terminal_size(sys.stdout.fileno()) if sys.stdout.isatty() else None
    return {
        "isatty": sys.stdout.isatty(),
        "size": list(size) if size else None,
        "env": {k: os.environ.get(k) for k in _TERMINAL_ENV},
    }


def _file_bytes(path: Path | None) -> str | None:
    """Return the SHA-256 of the file at ``path`` (None: no file given or none there)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class Request:
    """A ``formcheck analyze`` command line, identified by what its output depends on."""

    key: str
    clip: ClipHash
    entry: Path


def request(
    params: Mapping[str, object], video: Path, folder: Path, files: Mapping[str, Path | None]
) -> Request:
    """Return the request for the parsed ``params`` of a command run on ``video``.

    ``files`` are the flags naming input files whose bytes matter (``--config``, ``--rules``).
    """
    clip = clip_sha256(video, folder)
    doc = {
        "format": FORMAT,
        "clip_sha256": clip.sha256,
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in sorted(params.items())},
        "files": {flag: _file_bytes(path) for flag, path in sorted(files.items())},
        "cwd": os.getcwd(),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("FORMCHECK_")},
        "terminal": _terminal(),
        "code": code_digest(),
        "python": sys.version,
        "distributions": installed_distributions(),
    }
    key = hashlib.sha256(json.dumps(doc, sort_keys=True, default=list).encode()).hexdigest()
    return Request(key=key, clip=clip, entry=folder / "replays" / f"{key}.json")


def replay(req: Request, folder: Path) -> bool:
    """Print and write what the run ``req`` names did; return False when there is no entry.

    Nothing is printed or written on a miss, so the caller runs the command instead.
    """
    try:
        doc = json.loads(req.entry.read_text(encoding="utf-8"))
        usable = doc["format"] == FORMAT and doc["key"] == req.key
        stdout, files, track = str(doc["stdout"]), dict(doc["files"]), str(doc["track"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not usable or not (folder / track).is_file():
        return False  # the track it was made from is gone: compute, do not pretend
    for name, text in files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(str(text).encode("utf-8"))
    sys.stdout.write(stdout)
    sys.stdout.flush()
    req.clip.remember()
    return True


def record(req: Request, stdout: str, written: list[Path], history: list[str]) -> bool:
    """Keep what a finished run printed and wrote; return whether it was kept.

    ``history`` is the pose track's: only a run whose track was read from the cache is kept
    (its output is what every later run prints), with the name of that track's file.
    """
    loaded = [h for h in history if h.startswith("pose: loaded from cache ")]
    if not loaded:
        return False
    track = loaded[-1].removeprefix("pose: loaded from cache ")
    try:
        files = {str(p): p.read_bytes().decode("utf-8") for p in written}
    except (OSError, UnicodeDecodeError):
        return False
    doc = {"format": FORMAT, "key": req.key, "stdout": stdout, "files": files, "track": track}
    try:
        req.entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{req.key[:16]}.", suffix=".tmp", dir=req.entry.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        Path(tmp).replace(req.entry)  # atomic: a reader sees the old entry or the new one
    except BaseException as exc:  # also Ctrl-C: leave no temporary file behind
        Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        return False
    return True
