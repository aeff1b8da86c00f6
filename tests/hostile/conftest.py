"""Shared helpers of the hostile-input tests: run the CLI as a user would, and real clips.

Every case asserts two things: the named error (or the recovered result), and that no
traceback reaches the user. The CLI runs through click's CliRunner (in process, so fast);
the Ctrl-C case runs it in a subprocess.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from formcheck.capture import pose
from formcheck.capture.video import DEFAULT_MAX_SIDE, probe_video
from formcheck.cli import main
from formcheck.track import PoseTrack

from ..clipgen import cut, resize, write_clip

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"  # MIT, bundled
SAMPLE_TRACK = REPO / "tests" / "fixtures" / "tracks" / "side_bodyweight_squat_2reps.npz"
STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE"
)


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    """Run ``formcheck ARGS`` in process; return the result with ``text`` (stdout+stderr).

    Fails the test when an exception other than SystemExit escaped (a traceback).
    """
    result = CliRunner().invoke(main, list(args), env=env, input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"formcheck {args} raised {result.exception!r}") from (
            result.exception
        )
    text = result.output  # stdout and stderr, as the user sees them
    assert "Traceback" not in text
    return SimpleNamespace(code=result.exit_code, text=text, flat=" ".join(text.split()))


def strong_csv(path: Path, rows: list[str]) -> Path:
    """Write a Strong comma export with ``rows`` (CSV lines) under its real header."""
    path.write_text(STRONG_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def strong_row(
    exercise: str = "Squat (Barbell)",
    weight: str = "100",
    date: str = "2024-03-30 09:05:12",
    notes: str = "",
    title: str = "Squat Day",
) -> str:
    """Return one CSV line of a Strong comma export (fields quoted as the app does)."""
    def q(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    return f"{date},{q(title)},1h,{q(exercise)},1,{weight},5,0,0,{q(notes)},,8"


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 20 frames of the bundled sample at 304x540: a real lifter, a fast pose pass."""
    dst = tmp_path_factory.mktemp("clips") / "short.mp4"
    return cut(SAMPLE, dst, 20, transform=lambda a: resize(a, 304, 540))


@pytest.fixture(scope="session")
def short_entry(short_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good cache entry for ``short_clip``, computed once with the real model."""
    cache = tmp_path_factory.mktemp("good-cache")
    pose.estimate_track(short_clip, cache_dir=cache)
    (entry,) = cache.glob("*.npz")
    return entry


def fresh_cache(entry: Path, tmp_path: Path) -> Path:
    """Return a cache folder holding a copy of ``entry`` (to be damaged by the test)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(entry, cache / entry.name)
    return cache / entry.name


@pytest.fixture
def sample_cache(tmp_path: Path) -> Path:
    """A cache folder whose entry for SAMPLE is the saved fixture track (no model run)."""
    info = probe_video(SAMPLE)
    track = PoseTrack.load(SAMPLE_TRACK)
    track.source = {
        **track.source,
        "video_sha256": info.sha256,
        "video_info": {k: v for k, v in asdict(info).items() if k != "path"},
        "warnings": [],
    }
    cache = tmp_path / "sample-cache"
    track.save(pose._cache_file(cache, info.sha256, DEFAULT_MAX_SIDE, pose.load_pose_settings()))
    return cache


def tiny_clip(path: Path, frames: int) -> Path:
    """Write a valid H.264 clip of ``frames`` flat grey 64x48 frames."""
    return write_clip(path, [np.full((64, 48, 3), 60 + 40 * i, np.uint8) for i in range(frames)])
