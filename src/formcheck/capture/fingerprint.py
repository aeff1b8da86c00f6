"""The clip's content hash, remembered by the file's identity so a re-run need not read it all.

Notes
-----
A remembered hash is used only when the file's identity is unchanged: the same resolved
path, device, inode, size, modification time and status-change time (both in nanoseconds).
Writing to the file or replacing it changes at least one of them; the status-change time
cannot be set back by a user (``touch -d`` sets the modification time and moves the
status-change time to now). A hash is remembered only when the identity is the same before
and after the read and the file last changed at least ``SETTLED_S`` before the read began,
so a write within one timestamp tick of the read cannot pass for the content that was read
(git guards its index against the same "racy" case). Entries are small JSON files under
``hashes/`` in the cache folder, written once the run that read the clip has finished; one
that does not read is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SETTLED_S = 2.0  # above the coarsest common timestamp tick (FAT: 2 s)
_code_digest: str | None = None


def file_sha256(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file's content, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def code_digest() -> str:
    """Return the SHA-256 of every file of the installed formcheck package (paths and bytes)."""
    global _code_digest
    if _code_digest is None:
        root = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
                digest.update(path.read_bytes())
                digest.update(b"\0")
        _code_digest = digest.hexdigest()
    return _code_digest


def _identity(path: Path, st: os.stat_result) -> list[object]:
    return [str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


@dataclass(frozen=True)
class ClipHash:
    """A clip's content hash and, when it may be remembered, the memo entry to write."""

    sha256: str
    entry: Path | None = None
    identity: list[object] | None = None

    def remember(self) -> None:
        """Write the memo entry (called once the run succeeded: an interrupted one leaves none)."""
        if self.entry is not None:
            _remember(self.entry, {"identity": self.identity, "sha256": self.sha256})


def clip_sha256(path: str | Path, folder: Path | None) -> ClipHash:
    """Return the SHA-256 of the file's content, as remembered under ``folder`` or computed.

    ``folder=None`` always reads the file and remembers nothing.
    """
    if folder is None:
        return ClipHash(file_sha256(path))
    path = Path(path).resolve()
    before = os.stat(path)
    identity = _identity(path, before)
    name = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]
    entry = folder / "hashes" / f"{name}.json"
    try:
        kept = json.loads(entry.read_text())
        if kept["identity"] == identity and isinstance(kept["sha256"], str):
            return ClipHash(kept["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent or unreadable: hash the file
    started = time.time_ns()
    sha = file_sha256(path)
    changed_ns = max(before.st_mtime_ns, before.st_ctime_ns)
    settled = changed_ns <= started - int(SETTLED_S * 1e9)
    if settled and _identity(path, os.stat(path)) == identity:
        return ClipHash(sha, entry, identity)
    return ClipHash(sha)


def _remember(entry: Path, doc: dict[str, object]) -> None:
    """Write ``doc`` to ``entry`` atomically; a folder that cannot be written is no error."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{entry.stem}.", suffix=".tmp", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
        Path(tmp).replace(entry)
    except BaseException as exc:  # also Ctrl-C: leave no temporary file behind
        Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
