"""Issue 15 item 4: a damaged, foreign or unwritable pose cache never loses the analysis.

Each damaged entry must be recomputed (the real model on a 20-frame clip), replaced, and
reported once; a cache that cannot be written is a warning, and the analysis completes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from formcheck.capture import pose
from formcheck.track import PoseTrack

from .conftest import SAMPLE, fresh_cache, run_cli

pytestmark = pytest.mark.clips


def _zero_bytes(entry: Path) -> None:
    entry.write_bytes(b"")


def _damaged_zlib(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64  # inside a compressed member
    entry.write_bytes(bytes(data))


def _wrong_shapes(entry: Path) -> None:
    with np.load(entry) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["image_xy"] = arrays["image_xy"][:, :10]  # 10 landmarks instead of 33
    np.savez_compressed(entry, **arrays)


def _truncated(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:500])


def _foreign_track(entry: Path) -> None:
    # A well-formed track of another clip (different size and length) under this clip's key.
    other = PoseTrack.load(Path(__file__).parents[1] / "fixtures/tracks/side_deadlift_2reps.npz")
    source = PoseTrack.load(entry).source
    other.source = source
    other.width, other.height = source["video_info"]["width"], source["video_info"]["height"]
    other.save(entry)


def _left_in(folder: Path) -> list[str]:
    """Return the cache folder's entries and any temporary file (hash and analysis memos aside)."""
    top = [p.name for p in folder.iterdir() if p.name not in ("hashes", "analyses")]
    return sorted(top + [p.name for p in folder.rglob("*.tmp")])


DAMAGE = {
    "0-byte": _zero_bytes,
    "damaged zlib": _damaged_zlib,
    "wrong shapes": _wrong_shapes,
    "truncated": _truncated,
    "another clip's track": _foreign_track,
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_unusable_entry_is_recomputed_and_replaced(
    kind: str, short_clip: Path, short_entry: Path, tmp_path: Path
) -> None:
    entry = fresh_cache(short_entry, tmp_path)
    DAMAGE[kind](entry)
    _, track, warnings = pose.estimate_track(short_clip, cache_dir=entry.parent)
    assert track.n_frames == 20 and not track.history[-1].startswith("pose: loaded from cache")
    assert any("is unusable" in w and "recomputed" in w for w in warnings)
    # Replaced: the next run loads it, with no warning about the cache.
    _, again, warnings = pose.estimate_track(short_clip, cache_dir=entry.parent)
    assert again.history[-1].startswith("pose: loaded from cache")
    assert not any("cache" in w for w in warnings)
    assert _left_in(entry.parent) == [entry.name]  # no temp files


def test_directory_at_the_entry_path_is_a_warning(
    short_clip: Path, short_entry: Path, tmp_path: Path
) -> None:
    entry = tmp_path / "cache" / short_entry.name
    entry.mkdir(parents=True)
    _, track, warnings = pose.estimate_track(short_clip, cache_dir=entry.parent)
    assert track.n_frames == 20
    assert any("unusable" in w for w in warnings)
    assert any("could not write the pose cache" in w for w in warnings)
    assert _left_in(entry.parent) == [entry.name]


def _unwritable_dirs(tmp_path: Path) -> list[Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    places = [a_file, Path("/proc/formcheck-cache")]
    if os.geteuid() != 0:  # root writes into read-only folders regardless of the mode
        read_only = tmp_path / "read-only"
        read_only.mkdir()
        read_only.chmod(0o555)
        places.append(read_only)
    return places


def test_unwritable_cache_is_a_warning_and_the_analysis_completes(
    short_clip: Path, tmp_path: Path
) -> None:
    for place in _unwritable_dirs(tmp_path):
        _, track, warnings = pose.estimate_track(short_clip, cache_dir=place)
        assert track.n_frames == 20, place
        assert any("could not write the pose cache" in w for w in warnings), place


def test_cli_with_cache_dir_env_pointing_at_a_file(short_clip: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    out = run_cli(
        "analyze", str(short_clip), "--json", str(tmp_path / "a.json"),
        env={"FORMCHECK_CACHE_DIR": str(a_file)},
    )
    assert out.code == 0, out.text
    assert "could not write the pose cache" in out.flat
    assert (tmp_path / "a.json").stat().st_size > 0


def test_cli_trusts_a_good_entry_of_the_sample(sample_cache: Path, tmp_path: Path) -> None:
    # The good fixture entry is a cache hit (no model run); the check against the video passes.
    out = run_cli("analyze", str(SAMPLE), "--cache-dir", str(sample_cache))
    assert out.code == 0 and "2 rep(s)" in out.flat and "unusable" not in out.flat


def _save_many(path: str, rounds: int) -> None:
    track = PoseTrack.load(path + ".src")
    for _ in range(rounds):
        track.save(path)


def test_concurrent_writers_never_leave_a_broken_entry(short_entry: Path, tmp_path: Path) -> None:
    target = tmp_path / "entry.npz"
    shutil.copy(short_entry, str(target) + ".src")
    ctx = mp.get_context("spawn")
    writers = [ctx.Process(target=_save_many, args=(str(target), 15)) for _ in range(3)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert PoseTrack.load(target).n_frames == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.npz", "entry.npz.src"]
