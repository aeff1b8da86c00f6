"""Fixtures for the report tests: real clips, their real pose tracks, analyses.

The browser and page fixtures are in tests/conftest.py (Playwright, see tests/browser.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck.capture.video import probe_video
from formcheck.pipeline import analyze_track
from formcheck.report import write_outputs
from formcheck.result import Analysis
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"
# <repo>/../shared/data, as in CI; FORMCHECK_SHARED_DATA points elsewhere (e.g. from a git
# worktree, whose parent is not the checkout's).
SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA") or REPO.parent / "shared" / "data")
FIXTURES = Path(__file__).parent / "fixtures"
TRACKS = REPO / "tests" / "fixtures" / "tracks"
# Tighter limits than the high-bar preset (a lifter's --threshold override), so the bundled
# bodyweight sample - clean by the defaults - shows faults for the report to present.
STRICT = {"forward_lean": 30.0, "neck_not_neutral": 20.0}


def shared_clip(name: str) -> Path:
    """Return a clip of ../shared/data, skipping the test when the folder is absent."""
    return shared_file(Path("clips") / name)


def shared_file(relative: Path) -> Path:
    """Return a file of ../shared/data; skip when absent, fail when CI requires the data."""
    path = SHARED / relative
    if not path.is_file():
        if os.environ.get("FORMCHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FORMCHECK_REQUIRE_SERVICES=1 but {path} is missing")
        pytest.skip(f"needs {relative} in {SHARED} (no ../shared/data beside this checkout)")
    return path


def load_case(track_file: Path, video: Path, **options) -> tuple[Analysis, PoseTrack]:
    """Return the real analysis of a saved pose track of ``video``, and the track.

    The saved tracks are BlazePose output on the real clip (numbers derived from it, so they
    may be committed even for clips whose video may not be); the analysis engine runs on
    them for real.
    """
    track = PoseTrack.load(track_file)
    return analyze_track(track, probe_video(video), **options), track


@pytest.fixture(scope="session")
def sample_case() -> tuple[Analysis, PoseTrack]:
    analysis, track = load_case(TRACKS / "side_bodyweight_squat_2reps.npz", SAMPLE,
                                thresholds=STRICT)
    assert len(analysis.reps) == 2 and len(analysis.faults) >= 2  # what the tests rely on
    return analysis, track


@pytest.fixture(scope="session")
def sample_outputs(sample_case, tmp_path_factory) -> dict[str, Path]:
    analysis, track = sample_case
    out = tmp_path_factory.mktemp("sample_out")
    return write_outputs(analysis, track, SAMPLE, out, exports=("mot", "trc", "csv"))

