"""Squat or deadlift, told from the motion on real tracks filmed from other cameras.

Each case is a real BlazePose track redrawn from its world landmarks as another camera would
see it (turned to the front, raised to look down), or with the hands or the range of motion
changed in a known way (a weight held low in front: a goblet squat; the motion cut short:
a quarter squat). The unchanged tracks keep their lift; so must every changed one. The
front-view deadlift, the low-held weight and the hands at the sides were read wrongly by
the hands-and-trunk rule this replaced (deadlift read as squat, squats read as deadlifts).
"""

from __future__ import annotations

import pytest

from formcheck.analysis.lift import detect_lift
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.track import PoseTrack

from .conftest import FIXTURES, analyze_fixture, load_fixture_track
from .trackgen import hands_at, shallower, turned

SETTINGS = load_settings()
DEADLIFTS = ["side_deadlift_2reps", "side_deadlift_good_correct_form", "side_deadlift_bad_bar_far"]
SQUATS = [
    "side_bodyweight_squat_2reps",
    "side_bodyweight_squat_8reps",
    "side_barbell_squat_3reps",
    "front_bodyweight_squat_10reps_correct",
]
BODYWEIGHT = [
    "side_bodyweight_squat_2reps",
    "side_bodyweight_squat_8reps",
    "front_bodyweight_squat_10reps_correct",
]
CAMERAS = [(90.0, 0.0), (45.0, 0.0), (0.0, 20.0), (80.0, 15.0)]  # (turned, raised) deg


def _lift(track: PoseTrack) -> tuple[str, str]:
    guess = detect_lift(clean_track(track, SETTINGS), SETTINGS)
    return guess.lift, guess.reason


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "tracks").glob("*.npz")))
def test_every_real_fixture_track_keeps_its_lift_and_the_reason_names_each_cue(name: str) -> None:
    lift, reason = _lift(load_fixture_track(name))
    assert lift == ("deadlift" if "deadlift" in name else "squat"), reason
    assert reason.startswith(f"{lift} (detected: ")
    assert "wrists" in reason and "knees bent" in reason and "at the bottom" in reason


@pytest.mark.parametrize(("yaw", "pitch"), CAMERAS)
@pytest.mark.parametrize("name", DEADLIFTS)
def test_a_deadlift_filmed_from_the_front_or_from_above_is_still_a_deadlift(
    name: str, yaw: float, pitch: float
) -> None:
    lift, reason = _lift(turned(load_fixture_track(name), yaw, pitch))
    assert lift == "deadlift", reason
    assert "(deadlift); trunk" in reason  # the hinge cue itself says deadlift


def test_the_front_view_deadlift_looks_upright_in_the_picture_but_not_in_3d() -> None:
    # What fooled the old rule: the picture's trunk angle of a deadlift seen from the front.
    track = turned(load_fixture_track("side_deadlift_good_correct_form"), 90.0)
    guess = detect_lift(clean_track(track, SETTINGS), SETTINGS)
    assert guess.trunk_lean_deg is not None and guess.trunk_lean_deg < 35
    assert guess.cues is not None and guess.cues.bottom_lean_deg is not None
    assert guess.cues.bottom_lean_deg > SETTINGS.get("lift.deadlift_min_bottom_lean")
    # Through the whole pipeline too (counting its reps is the rep stage's business).
    assert analyze_fixture(track, split_by_view=False).lift == "deadlift"


@pytest.mark.parametrize(("yaw", "pitch"), [(90.0, 0.0), (0.0, 20.0)])
@pytest.mark.parametrize("name", SQUATS)
def test_a_squat_from_another_camera_is_still_a_squat(name: str, yaw: float, pitch: float) -> None:
    lift, reason = _lift(turned(load_fixture_track(name), yaw, pitch))
    assert lift == "squat", reason


@pytest.mark.parametrize("below_hips", [0.35, 0.5])
@pytest.mark.parametrize("name", BODYWEIGHT)
def test_a_squat_holding_a_weight_low_in_front_is_a_squat(name: str, below_hips: float) -> None:
    lift, reason = _lift(hands_at(load_fixture_track(name), 0.3, -below_hips))
    assert lift == "squat", reason
    assert "(squat); trunk" in reason  # knees bend as much as the hips


def test_a_low_weight_puts_the_hands_below_the_knees_the_hands_alone_say_deadlift() -> None:
    track = load_fixture_track("side_bodyweight_squat_8reps")
    _, plain = _lift(track)
    _, goblet = _lift(hands_at(track, 0.3, -0.5))
    assert "above the knees at the bottom (squat)" in plain
    assert "below the knees at the bottom (deadlift)" in goblet


def test_a_squat_with_dumbbells_at_the_sides_is_a_squat() -> None:
    lift, reason = _lift(
        hands_at(load_fixture_track("side_bodyweight_squat_8reps"), 0.0, -1.0, "shoulder")
    )
    assert lift == "squat", reason


@pytest.mark.parametrize("raised", [0.0, 15.0])
@pytest.mark.parametrize("name", BODYWEIGHT)
def test_a_quarter_squat_with_the_hands_low_is_a_squat(name: str, raised: float) -> None:
    quarter = hands_at(shallower(load_fixture_track(name), 0.5), 0.2, -0.3)
    lift, reason = _lift(turned(quarter, 0.0, raised) if raised else quarter)
    assert lift == "squat", reason
