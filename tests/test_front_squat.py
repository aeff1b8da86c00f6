"""The front-squat style: its elbow check applies only under that style, on real motion."""

from __future__ import annotations

import numpy as np

from formcheck.config import load_rules
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture as _analyze
from .conftest import fault_ids as _ids
from .conftest import load_fixture_track


def _elbows_level(track: PoseTrack) -> PoseTrack:
    """Put each elbow level with its shoulder, an upper-arm length in front (the lifter faces
    image right in this clip): the coached front-rack position."""
    xy = track.image_xy.copy()
    for side in ("left", "right"):
        s, e = INDEX[f"{side}_shoulder"], INDEX[f"{side}_elbow"]
        arm = np.linalg.norm(xy[:, e] - xy[:, s], axis=1)
        xy[:, e, 0] = xy[:, s, 0] + arm
        xy[:, e, 1] = xy[:, s, 1]
    return track.with_history("test: elbows raised level with the shoulders", image_xy=xy)


def test_elbow_check_exists_only_under_the_front_style() -> None:
    rules = load_rules()
    assert "front_squat_elbows_drop" in rules.for_style("front").faults
    assert "front_squat_elbows_drop" not in rules.for_style("high_bar").faults
    assert "front_squat_elbows_drop" not in rules.for_style("conventional").faults


def test_elbows_pointing_down_are_a_front_squat_fault_but_not_a_back_squat_one() -> None:
    """Hands behind the head point the elbows down (~80 deg): wrong for a front rack."""
    track = load_fixture_track("side_bodyweight_squat_2reps")
    assert _analyze(track).view.facing == "right"
    front = _analyze(track, style="front")
    assert "front_squat_elbows_drop" in _ids(front)
    assert all(r.metrics["elbow_drop_deg"].value > 45 for r in front.reps)
    assert "front_squat_elbows_drop" not in _ids(_analyze(track, style="high_bar"))


def test_elbows_held_level_pass_the_front_squat_check() -> None:
    level = _analyze(
        _elbows_level(load_fixture_track("side_bodyweight_squat_2reps")), style="front"
    )
    assert "front_squat_elbows_drop" not in _ids(level)
    assert all(abs(r.metrics["elbow_drop_deg"].value) < 10 for r in level.reps)
