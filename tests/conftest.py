"""Shared fixtures: paths to the real data beside the repository, saved pose tracks, and a
Playwright browser and page (see tests/browser.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from formcheck.pipeline import analyze_track
from formcheck.result import Analysis, VideoInfo
from formcheck.track import PoseTrack

from .browser import (
    DESKTOP,
    Viewport,
    chromium_binary,
    launch_chromium,
    new_context,
    playwright_sync_api,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"


def require_shared() -> Path:
    """Return ../shared/data, or skip (fail in CI) when it is not beside the repository."""
    if not (SHARED / "clips.json").exists():
        if os.environ.get("FORMCHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"expected the shared clips at {SHARED} in CI")
        pytest.skip(f"real clips not found at {SHARED} (a fresh clone has no ../shared)")
    return SHARED


def clip_catalogue() -> dict[str, dict]:
    """Return clips.json items by clip stem ({} when the shared data is absent)."""
    path = SHARED / "clips.json"
    if not path.exists():
        return {}
    items = json.loads(path.read_text())["items"]
    return {Path(i["file"]).stem: i for i in items if "lift" in i}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def pose_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pose-track cache for the whole run, so each clip meets the model once."""
    return tmp_path_factory.mktemp("pose-cache")


def load_fixture_track(name: str) -> PoseTrack:
    return PoseTrack.load(FIXTURES / "tracks" / f"{name}.npz")


def fixture_video(track: PoseTrack) -> VideoInfo:
    """Return the VideoInfo a saved track stands for (no file behind it)."""
    return VideoInfo(
        path="fixture",
        sha256="fixture",
        fps=track.fps,
        frames=track.n_frames,
        duration_s=float(track.times_s[-1]),
        width=track.width,
        height=track.height,
        rotation=0,
        codec="h264",
    )


def analyze_fixture(track: PoseTrack, **kw: Any) -> Analysis:
    """Return the analysis of a saved track (the stages after pose estimation)."""
    return analyze_track(track, fixture_video(track), **kw)


def fault_ids(analysis: Analysis) -> set[str]:
    """Return the ids of every fault in an analysis."""
    return {f.id for f in analysis.faults}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless system Chromium for the whole run, driven by Playwright.

    Skips when Chromium or Playwright is missing; fails instead under
    FORMCHECK_REQUIRE_SERVICES=1.
    """
    binary = chromium_binary()
    sync_api = playwright_sync_api()
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, binary)
        yield chromium
        chromium.close()


@pytest.fixture
def viewport() -> Viewport:
    """The window the ``page`` fixture opens; parametrize ``viewport`` to change it."""
    return DESKTOP


@pytest.fixture
def page(browser: Browser, viewport: Viewport) -> Iterator[Page]:
    """A blank page in a fresh browser context of size ``viewport``, closed after the test."""
    context = new_context(browser, viewport)
    yield context.new_page()
    context.close()
