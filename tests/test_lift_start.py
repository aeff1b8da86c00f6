"""Where the motion starts: bent over at the bar (a conventional deadlift) or standing.

Real BlazePose tracks, and the same tracks changed in a known way: a deadlift with its
set-up at the bar cut off (the clip then opens at lockout, as a Romanian deadlift would),
and a deadlift turned to face the camera (the picture flattens the bend, the world
landmarks do not). The uncut tracks must keep their start; every changed one must move it.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.lift import detect_lift, hinge_style_check, lift_cues, world_angle
from formcheck.analysis.reps import segment_reps
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.pipeline import time_window
from formcheck.track import PoseTrack

from .conftest import analyze_fixture, load_fixture_track
from .test_rep_cases import _rdl_from_conventional
from .trackgen import turned

SETTINGS = load_settings()
DEADLIFTS = ["side_deadlift_2reps", "side_deadlift_good_correct_form", "side_deadlift_bad_bar_far"]
STANDING_SQUATS = [
    "side_bodyweight_squat_2reps",
    "side_bodyweight_squat_8reps",
    "front_bodyweight_squat_10reps_correct",
    "front_barbell_back_squat_3reps",
    "front_prisoner_squat_3reps_10fps",
]
HANDS_UP = ["front_barbell_back_squat_3reps", "front_prisoner_squat_3reps_10fps"]


def _clean(track: PoseTrack) -> PoseTrack:
    return clean_track(track, SETTINGS)


def _from_first_lockout(track: PoseTrack) -> PoseTrack:
    """Return the track cut to start at the first lockout: hips straight after the first pull.

    Standing before the first bend (a walk-up, the hands at the belt or the chalk) is cut
    off with the set-up, so the cut clip opens with the bar held at the hips.
    """
    clean = _clean(track)
    hip = np.nanmean(
        [world_angle(clean, f"{s}_shoulder", f"{s}_hip", f"{s}_knee") for s in ("left", "right")],
        axis=0,
    )
    bent = int(np.flatnonzero(hip < 100)[0])
    first = bent + int(np.flatnonzero(hip[bent:] >= 160)[0])
    return time_window(track, float(track.times_s[first]), None)[0]


@pytest.mark.parametrize("name", DEADLIFTS)
def test_a_real_deadlift_starts_bent_with_the_wrists_low_and_the_start_says_so(name: str) -> None:
    clean = _clean(load_fixture_track(name))
    cues = lift_cues(clean, SETTINGS)
    assert cues.starts_bent(SETTINGS), cues
    reason = detect_lift(clean, SETTINGS).reason
    assert "starts with the hips at" in reason and "above the ankles (deadlift)" in reason


@pytest.mark.parametrize("name", STANDING_SQUATS)
def test_a_real_squat_starts_standing(name: str) -> None:
    cues = lift_cues(_clean(load_fixture_track(name)), SETTINGS)
    assert cues.starts_standing(SETTINGS) and not cues.starts_bent(SETTINGS), cues


@pytest.mark.parametrize("name", HANDS_UP)
def test_a_squat_with_the_bar_on_the_back_or_hands_at_the_head_starts_hands_up(name: str) -> None:
    clean = _clean(load_fixture_track(name))
    cues = lift_cues(clean, SETTINGS)
    assert cues.start_wrist_height is not None
    assert cues.start_wrist_height >= SETTINGS.get("lift.start_high_min_wrist")
    assert "above the ankles (squat)" in detect_lift(clean, SETTINGS).reason


@pytest.mark.parametrize("name", DEADLIFTS)
def test_a_deadlift_cut_to_start_at_lockout_no_longer_starts_bent_but_stays_a_deadlift(
    name: str,
) -> None:
    track = load_fixture_track(name)
    cut = _clean(_from_first_lockout(track))
    cues = lift_cues(cut, SETTINGS)
    assert not cues.starts_bent(SETTINGS) and cues.starts_standing(SETTINGS), cues
    guess = detect_lift(cut, SETTINGS)
    assert guess.lift == "deadlift", guess.reason
    assert "above the ankles (not telling)" in guess.reason  # hands at the hips: RDL or DL


@pytest.mark.parametrize("name", DEADLIFTS)
def test_a_first_rep_set_up_at_the_bar_rules_out_the_romanian_style(name: str) -> None:
    clean = _clean(load_fixture_track(name))
    first = segment_reps(clean, SETTINGS, "deadlift").reps[0].start
    said = hinge_style_check(clean, SETTINGS, first)
    assert said is not None and said.startswith("not Romanian: the first rep starts"), said


def test_rdl_reps_cut_from_a_conventional_set_keep_the_romanian_style() -> None:
    # The floor phase cut out (tests/test_rep_cases.py): every rep starts standing.
    clean = _clean(_rdl_from_conventional())
    seg = segment_reps(clean, SETTINGS, "deadlift", style="romanian")
    assert seg.reps and hinge_style_check(clean, SETTINGS, seg.reps[0].start) is None
    analysis = analyze_fixture(_rdl_from_conventional(), lift="deadlift", split_by_view=False)
    assert analysis.style == "romanian" and "not Romanian" not in analysis.lift_reason


@pytest.mark.parametrize("name", DEADLIFTS)
def test_a_deadlift_seen_from_the_front_still_starts_bent(name: str) -> None:
    cues = lift_cues(_clean(turned(load_fixture_track(name), 90.0)), SETTINGS)
    assert cues.starts_bent(SETTINGS), cues
