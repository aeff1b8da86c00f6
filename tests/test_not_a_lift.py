"""A clip that shows no squat or deadlift is said to be one plainly, with no invented reps.

The cases are cut from a real side-on BlazePose track: the lifter's first 8 s standing before
the set, left as they are (standing still), and the same frames with each forearm turned
about its elbow through 0-140 deg once every 2 s (a biceps curl). Real squat and deadlift
tracks keep their reps and get no such sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture, load_fixture_track

STANDING = 250  # frames before the first rep of side_bodyweight_squat_2reps (rep 1: 263)
SAID = "this does not look like a squat or deadlift"


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
