"""Where files go: the cache folder, and output paths checked before any slow work.

An output path is checked up front so a bad one fails in seconds, not minutes.

A read-only folder, a path under a regular file or inside ``/proc`` used to surface as a
traceback after the whole analysis had run. :func:`check_output_path` finds these up front
by trying what the writer will do (create a file in the nearest existing folder, or open
the existing file for appending) and raises :class:`OutputPathError` naming the flag.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from formcheck.errors import OutputPathError

# Kernel interfaces: writing a file there changes the system rather than storing anything.
_KERNEL_FS = (Path("/proc"), Path("/sys"))
_Fail = Callable[[str], OutputPathError]


def check_output_path(path: str | Path, flag: str, *, directory: bool = False) -> Path:
    """Return ``path`` when it can be written as a file (or a folder); else raise.

    Parameters
    ----------
    path : str or Path
        Where the output goes; missing parent folders are fine (writers create them).
    flag : str
        The option the path came from, for the message (``--json``).
    directory : bool
        The path is a folder to write files into (``--out``), not a file.

    Raises
    ------
    OutputPathError
        When the path is an existing folder (file wanted) or file (folder wanted), lies under
        a regular file, inside /proc or /sys, or on a read-only or permission-denied place.

    Notes
    -----
    The check writes and removes one empty probe file in the nearest existing folder; nothing
    else is created.
    """
    path = Path(path)
    want = "a writable folder" if directory else "a writable file path"

    def fail(why: str) -> OutputPathError:
        return OutputPathError(f"{flag}: expected {want}, got {path} ({why})")

    target = Path(os.path.abspath(path))
    resolved = target.resolve()
    if any(resolved == k or k in resolved.parents for k in _KERNEL_FS):
        raise fail(f"{resolved.parts[1]!s} is a kernel interface, not storage")
    if target.exists():
        if directory and not target.is_dir():
            raise fail("it is a file, not a folder")
        if not directory and target.is_dir():
            raise fail("it is a folder")
        if not directory:
            _probe_file(target, fail)
            return path
        _probe_folder(target, fail)
        return path
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise fail(f"{ancestor} is a regular file, so nothing can be created under it")
    _probe_folder(ancestor, fail)
    return path


def _probe_file(target: Path, fail: _Fail) -> None:
    try:
        with open(target, "ab"):
            pass  # append mode with no write leaves the content as it was
    except OSError as exc:
        raise fail(f"cannot write it: {exc.strerror}") from exc


def _probe_folder(folder: Path, fail: _Fail) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".formcheck-probe-"):
            pass
    except OSError as exc:
        raise fail(f"cannot create files in {folder}: {exc.strerror}") from exc


def cache_folder(cache_dir: str | Path | None = None) -> Path:
    """Return the cache folder: ``cache_dir``, else ``$FORMCHECK_CACHE_DIR``, else the user's."""
    if cache_dir is None:
        import platformdirs

        cache_dir = os.environ.get("FORMCHECK_CACHE_DIR") or (
            Path(platformdirs.user_cache_dir("formcheck")) / "tracks"
        )
    return Path(cache_dir)
