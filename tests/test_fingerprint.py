"""The remembered clip hash: used only while the file's identity holds, never stale."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from formcheck.capture import fingerprint
from formcheck.capture.fingerprint import clip_sha256 as _clip_hash


def clip_sha256(path: Path, folder: Path | None) -> str:
    """Return the clip's hash the way a finished run does: remembered once it is done."""
    found = _clip_hash(path, folder)
    found.remember()
    return found.sha256


# Settled after a short wait, so the tests need not sleep the real 2 s.
SETTLED_S = 0.05


@pytest.fixture(autouse=True)
def _short_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "SETTLED_S", SETTLED_S)


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    time.sleep(3 * SETTLED_S)  # let the write settle
    return path


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / "hashes").glob("*.json"))


def test_a_settled_file_is_hashed_once_then_remembered(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"frames" * 1000)
    memo = tmp_path / "cache"
    assert clip_sha256(clip, memo) == hashlib.sha256(clip.read_bytes()).hexdigest()
    [entry] = _entries(memo)
    # The second call reads the entry, not the file: a doctored entry shows through.
    doc = json.loads(entry.read_text())
    entry.write_text(json.dumps({**doc, "sha256": "remembered"}))
    assert clip_sha256(clip, memo) == "remembered"


def test_rewriting_the_file_with_its_old_size_and_mtime_misses(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"A" * 4096)
    memo = tmp_path / "cache"
    old = os.stat(clip)
    clip_sha256(clip, memo)
    assert len(_entries(memo)) == 1
    time.sleep(3 * SETTLED_S)
    with open(clip, "r+b") as fh:  # same inode, same size
        fh.write(b"B")
    os.utime(clip, ns=(old.st_atime_ns, old.st_mtime_ns))  # and the old mtime put back
    assert os.stat(clip).st_mtime_ns == old.st_mtime_ns
    assert clip_sha256(clip, memo) == hashlib.sha256(b"B" + b"A" * 4095).hexdigest()


def test_a_replaced_file_misses(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"one" * 100)
    memo = tmp_path / "cache"
    clip_sha256(clip, memo)
    other = _written(tmp_path / "other.mp4", b"two" * 100)
    other.replace(clip)  # a new inode under the same name
    assert clip_sha256(clip, memo) == hashlib.sha256(b"two" * 100).hexdigest()


def test_a_file_changed_just_now_is_not_remembered(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"still being written")
    memo = tmp_path / "cache"
    assert clip_sha256(clip, memo) == hashlib.sha256(b"still being written").hexdigest()
    assert _entries(memo) == []


def test_without_a_folder_nothing_is_remembered(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"x" * 10)
    assert clip_sha256(clip, None) == hashlib.sha256(b"x" * 10).hexdigest()
    assert list(tmp_path.iterdir()) == [clip]


def test_nothing_is_remembered_before_the_run_finishes(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"z" * 10)
    found = _clip_hash(clip, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()  # an interrupted run leaves no memo behind
    found.remember()
    assert len(_entries(tmp_path / "cache")) == 1


def test_an_unreadable_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    clip = _written(tmp_path / "clip.mp4", b"y" * 10)
    memo = tmp_path / "cache"
    clip_sha256(clip, memo)
    [entry] = _entries(memo)
    entry.write_text("{not json")
    assert clip_sha256(clip, memo) == hashlib.sha256(b"y" * 10).hexdigest()
    assert json.loads(entry.read_text())["sha256"] == hashlib.sha256(b"y" * 10).hexdigest()
