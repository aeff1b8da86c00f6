"""A clip that shows no squat or deadlift is said to be one plainly, with no invented reps.

The cases are cut from a real side-on BlazePose track: the lifter's first 8 s standing before
the set, left as they are (standing still), and the same frames with each forearm turned
about its elbow through 0-140 deg once every 2 s (a biceps curl), or with the body lifted on
the toes (calf raises). Swings and lunges drop the hips as a lift does: a swing is made from a
real deadlift by swinging the arms up to shoulder height as the hips rise, a lunge from a real
squat by splitting the feet (each knee bends to reach its planted foot). Real squat and
deadlift tracks keep their reps and get no such sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.other_motion import SAID
from formcheck.track import INDEX, PoseTrack

from .conftest import FIXTURES, analyze_fixture, load_fixture_track
from .trackgen import calf_raises, lunge, swing

STANDING = 250  # frames before the first rep of side_bodyweight_squat_2reps (rep 1: 263)


def _standing() -> PoseTrack:
    t = load_fixture_track("side_bodyweight_squat_2reps")
    keep = slice(0, STANDING)
    return t.with_history(
        "test: the standing frames before the set",
        image_xy=t.image_xy[keep], world_xyz=t.world_xyz[keep], visibility=t.visibility[keep],
        present=t.present[keep], times_s=t.times_s[keep], back_profile=None,
    )


def _curl(track: PoseTrack) -> PoseTrack:
    """Return the track with each hand turned about its elbow, 0-140 deg, every 2 s."""
    xy = track.image_xy.copy()
    theta = np.radians(70 * (1 - np.cos(2 * np.pi * track.times_s / 2.0)))
    c, s = np.cos(theta), np.sin(theta)
    for side in ("left", "right"):
        elbow = xy[:, INDEX[f"{side}_elbow"]]
        for part in ("wrist", "pinky", "index", "thumb"):
            d = xy[:, INDEX[f"{side}_{part}"]] - elbow
            xy[:, INDEX[f"{side}_{part}"], 0] = elbow[:, 0] + c * d[:, 0] - s * d[:, 1]
            xy[:, INDEX[f"{side}_{part}"], 1] = elbow[:, 1] + s * d[:, 0] + c * d[:, 1]
    return track.with_history("test: curls", image_xy=xy)


def test_a_curl_is_said_to_be_no_squat_or_deadlift_and_gets_no_reps() -> None:
    analysis = analyze_fixture(_curl(_standing()), split_by_view=False)
    assert analysis.reps == [] and analysis.faults == []
    assert analysis.summary[0].startswith(SAID) and "curl, press or raise" in analysis.summary[0]
    assert analysis.warnings[0] == analysis.summary[0]
    assert not any(w.startswith("no reps found") for w in analysis.warnings)


def test_standing_still_is_said_to_be_no_squat_or_deadlift() -> None:
    analysis = analyze_fixture(_standing(), split_by_view=False)
    assert analysis.reps == []
    assert analysis.summary[0].startswith(SAID) and "nothing else moved" in analysis.summary[0]


@pytest.mark.parametrize(
    "name",
    ["side_bodyweight_squat_2reps", "side_deadlift_2reps", "front_prisoner_squat_3reps_10fps"],
)
def test_real_lifts_keep_their_reps_and_are_not_called_something_else(name: str) -> None:
    analysis = analyze_fixture(load_fixture_track(name), split_by_view=False)
    assert analysis.reps
    assert not any(SAID in line for line in [*analysis.summary, *analysis.warnings])


# --- swings, lunges and calf raises: hips that move, but not in a squat or deadlift ------


def test_a_swing_made_from_a_deadlift_is_said_to_be_no_squat_or_deadlift() -> None:
    dl = load_fixture_track("side_deadlift_2reps")
    analysis = analyze_fixture(swing(dl), split_by_view=False)
    assert analysis.reps == [] and analysis.faults == []
    assert analysis.summary[0].startswith(SAID) and "swing" in analysis.summary[0]
    assert len(analyze_fixture(dl, split_by_view=False).reps) == 2  # the deadlift itself


def test_a_lift_chosen_by_the_user_is_not_second_guessed() -> None:
    analysis = analyze_fixture(
        swing(load_fixture_track("side_deadlift_2reps")), split_by_view=False, lift="deadlift"
    )
    assert analysis.reps
    assert not any(SAID in line for line in analysis.summary)


@pytest.mark.parametrize("name", ["side_bodyweight_squat_2reps", "side_bodyweight_squat_8reps"])
def test_a_lunge_made_from_a_squat_is_said_to_be_no_squat_or_deadlift(name: str) -> None:
    analysis = analyze_fixture(lunge(load_fixture_track(name)), split_by_view=False)
    assert analysis.reps == []
    assert analysis.summary[0].startswith(SAID) and "lunge" in analysis.summary[0]


def test_calf_raises_are_said_to_be_no_squat_or_deadlift() -> None:
    analysis = analyze_fixture(calf_raises(_standing(), 0.12), split_by_view=False)
    assert analysis.reps == []
    assert analysis.summary[0].startswith(SAID) and "calf raise" in analysis.summary[0]
    still = analyze_fixture(_standing(), split_by_view=False)
    assert "calf raise" not in still.summary[0]


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "tracks").glob("*.npz")))
def test_no_real_fixture_track_is_called_something_else(name: str) -> None:
    analysis = analyze_fixture(load_fixture_track(name), split_by_view=False)
    assert analysis.reps
    assert not any(SAID in line for line in [*analysis.summary, *analysis.warnings])
