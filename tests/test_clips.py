"""The real pose model on the real squat clips: rep counts, views, no reps during set-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.pipeline import analyze_video
from formcheck.result import Analysis

from .conftest import clip_catalogue, require_shared

SQUATS = sorted(k for k, v in clip_catalogue().items() if v["lift"] == "squat")
# Views the detector reads differently from the label given by eye, with the measured yaw:
# the labeller's "oblique" outdoor clip measures 84 deg (side on) on all four cues, and the
# "side" 8-rep clip measures 52 deg (turned towards the camera). Kept visible as xfail.
VIEW_DISAGREES = {
    "oblique_bodyweight_squat_8reps_outdoor": "measured 84 deg yaw: reads as side",
    "side_bodyweight_squat_8reps": "measured 52 deg yaw: reads as oblique",
}

_cache: dict[str, Analysis] = {}


def _analysis(name: str, pose_cache: Path) -> Analysis:
    if name not in _cache:
        shared = require_shared()
        _cache[name] = analyze_video(
            shared / "clips" / f"{name}.mp4", lift="squat", cache_dir=pose_cache
        )
    return _cache[name]


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize("name", SQUATS)
def test_rep_count_matches_the_clip(name: str, pose_cache: Path) -> None:
    expected = clip_catalogue()[name]["reps"]
    analysis = _analysis(name, pose_cache)
    assert len(analysis.reps) == expected, [(r.start_s, r.end_s) for r in analysis.reps]
    for rep in analysis.reps:
        assert rep.start_s < rep.bottom_s < rep.end_s


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize("name", SQUATS)
def test_view_matches_the_clip(name: str, pose_cache: Path) -> None:
    if name in VIEW_DISAGREES:
        pytest.xfail(VIEW_DISAGREES[name])
    assert _analysis(name, pose_cache).view.view == clip_catalogue()[name]["view"]


@pytest.mark.clips
def test_walkout_and_rerack_are_not_reps(pose_cache: Path) -> None:
    analysis = _analysis("oblique_barbell_squat_single_walkout", pose_cache)
    assert len(analysis.reps) == 1
    # The single squat happens about half way through; unrack (~3 s) and re-rack (~29 s) are not it.
    assert 13.0 < analysis.reps[0].bottom_s < 18.0
    assert any("not counted" in w for w in analysis.warnings)


@pytest.mark.clips
def test_walking_away_is_not_a_rep(pose_cache: Path) -> None:
    analysis = _analysis("side_bodyweight_squat_3reps_then_walks", pose_cache)
    assert len(analysis.reps) == 3
    assert all(r.end_s < 7.5 for r in analysis.reps)


@pytest.mark.clips
def test_side_view_reports_facing_and_metrics(pose_cache: Path) -> None:
    analysis = _analysis("side_bodyweight_squat_2reps", pose_cache)
    assert analysis.view.facing in ("left", "right")
    for rep in analysis.reps:
        for key in ("depth_thigh_deg", "trunk_lean_max_deg", "knee_min_deg", "descent_s"):
            assert rep.metrics[key].value is not None
