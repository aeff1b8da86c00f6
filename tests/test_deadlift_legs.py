"""Deadlift heel lift, knees forward (squatting the pull) and bar lead on real pose tracks.

Metamorphic tests: each perturbation of a real clean pull (side_deadlift_good_correct_form,
see tests/fixtures/tracks/README.md) is described in words; the unperturbed track must not
raise the fault it provokes, and perturbations that look like occlusion (a whole foot or a
hand dragged by the plate) must not raise it either.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.deadlift import lift_off_frame
from formcheck.analysis.deadlift_legs import sustained_max
from formcheck.analysis.reps import RepWindow, segment_reps
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.result import Analysis
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture, fault_ids, load_fixture_track

GOOD = "side_deadlift_good_correct_form"
HANDS = [f"{s}_{j}" for s in ("left", "right") for j in ("wrist", "pinky", "index", "thumb")]


def _pull(track: PoseTrack) -> tuple[RepWindow, float, int]:
    """Return the first pull, the leg length in px and the set frame of a raw track."""
    settings = load_settings()
    clean = clean_track(track, settings)
    seg = segment_reps(clean, settings, "deadlift")
    rep = seg.reps[0]
    return rep, seg.leg_length_px, lift_off_frame(clean, rep, seg.leg_length_px)


def _near_and_facing(track: PoseTrack) -> tuple[str, float]:
    view = analyze_fixture(track, lift="deadlift").view
    assert view.near_side is not None and view.facing in ("left", "right")
    return view.near_side, 1.0 if view.facing == "right" else -1.0


def _metric(analysis: Analysis, name: str) -> float | None:
    value = analysis.reps[0].metrics[name].value
    return None if value is None else float(value)


@pytest.fixture(scope="module")
def good() -> PoseTrack:
    return load_fixture_track(GOOD)


def test_sustained_max_needs_the_level_held_and_breaks_on_unseen_frames() -> None:
    x = np.array([0.0, 0.9, 0.1, 0.5, 0.6, 0.5, np.nan, 0.8, 0.8])
    assert sustained_max(x, 1) == pytest.approx(0.9)
    assert sustained_max(x, 3) == pytest.approx(0.5)  # the one-frame 0.9 spike does not count
    assert sustained_max(x, 4) == pytest.approx(0.1)
    assert sustained_max(x, 2) == pytest.approx(0.8)  # the NaN splits 0.5 from the 0.8 run
    assert sustained_max(np.full(3, np.nan), 2) is None


# ---- heel lift ------------------------------------------------------------------------------


def _raise_heel(track: PoseTrack, rise_feet: float, *, with_toe: bool) -> PoseTrack:
    """Raise the near heel (and the ankle by the share a pivot on the toes gives it) by
    ``rise_feet`` foot lengths from the set until the lockout, flat again at lockout;
    ``with_toe`` lifts the toe as much, i.e. the whole foot floats up as when the model drags
    it with the plate."""
    rep, leg_px, start = _pull(track)
    near, _ = _near_and_facing(track)
    foot_px = load_settings().get("view.foot_length") * leg_px
    xy = track.image_xy.copy()
    frames = slice(start, rep.bottom_first)
    share = {"heel": 1.0, "ankle": 0.7, "foot_index": 1.0 if with_toe else 0.0}
    for joint, part in share.items():
        xy[frames, INDEX[f"{near}_{joint}"], 1] -= part * rise_feet * foot_px  # y down: up
    line = "whole foot raised" if with_toe else "heel raised on the toes"
    return track.with_history(f"test: {line} by {rise_feet} foot lengths", image_xy=xy)


def test_heels_rising_onto_the_toes_in_the_pull_raise_dl_heels_lift(good: PoseTrack) -> None:
    before = analyze_fixture(good)
    assert "dl_heels_lift" not in fault_ids(before), _metric(before, "pull_heel_lift")
    lifted = analyze_fixture(_raise_heel(good, 0.4, with_toe=False))
    assert "dl_heels_lift" in fault_ids(lifted), lifted.reps[0].not_judged
    assert _metric(lifted, "pull_heel_lift") == pytest.approx(
        0.4 + (_metric(before, "pull_heel_lift") or 0.0), abs=0.1
    )


def test_a_foot_floating_up_with_the_toe_is_not_a_heel_lift(good: PoseTrack) -> None:
    """The model drags the whole foot up while the plate hides it: the toe leaves the floor,
    which a heel lift never does, so those frames are not read (the lockout still is)."""
    before = _metric(analyze_fixture(good), "pull_heel_lift")
    floated = analyze_fixture(_raise_heel(good, 0.4, with_toe=True))
    assert "dl_heels_lift" not in fault_ids(floated)
    assert before is not None
    after = _metric(floated, "pull_heel_lift")
    assert after is not None and after <= before + 0.05  # the floated frames are dropped


# ---- knees forward (squatting the deadlift) -------------------------------------------------


def _knees_forward(track: PoseTrack, shin_deg: float) -> PoseTrack:
    """Turn the near shin about the ankle to ``shin_deg`` from vertical (knee forward, shin
    length kept) over the set-up and the first frames of the pull, moving the hip with it."""
    rep, _, start = _pull(track)
    near, facing = _near_and_facing(track)
    xy = track.image_xy.copy()
    a = max(0, start - int(0.5 * track.fps))
    for f in range(a, min(rep.bottom_first, start + int(0.3 * track.fps)) + 1):
        ankle, knee = xy[f, INDEX[f"{near}_ankle"]], xy[f, INDEX[f"{near}_knee"]]
        length = float(np.hypot(*(knee - ankle)))
        a_rad = np.radians(shin_deg)
        new_knee = ankle + length * np.array([facing * np.sin(a_rad), -np.cos(a_rad)])
        shift = new_knee - knee
        for joint in ("knee", "hip"):
            xy[f, INDEX[f"{near}_{joint}"]] += shift
    return track.with_history(f"test: shin turned to {shin_deg} deg at the set", image_xy=xy)


def test_knees_forward_over_the_bar_at_the_set_raise_dl_knees_forward(good: PoseTrack) -> None:
    before = analyze_fixture(good)
    assert "dl_knees_forward" not in fault_ids(before), _metric(before, "start_shin_deg")
    squatted = analyze_fixture(_knees_forward(good, 35.0))
    assert "dl_knees_forward" in fault_ids(squatted), squatted.reps[0].not_judged
    assert _metric(squatted, "start_shin_deg") == pytest.approx(35.0, abs=3.0)


def test_a_shin_drawn_to_a_guessed_ankle_is_not_judged(good: PoseTrack) -> None:
    """Pull the near ankle up to 40% of the way to the knee at the set (the model's guess
    when the plate hides the foot, with the shin forward): the shin no longer has its standing
    length, so the angle is not read rather than read wrong."""
    _, _, start = _pull(good)
    near, facing = _near_and_facing(good)
    xy = good.image_xy.copy()
    frames = slice(max(0, start - int(0.5 * good.fps)), start + 4)
    knee, ankle = xy[frames, INDEX[f"{near}_knee"]], xy[frames, INDEX[f"{near}_ankle"]]
    xy[frames, INDEX[f"{near}_ankle"]] = ankle + 0.4 * (knee - ankle)
    xy[frames, INDEX[f"{near}_ankle"], 0] -= facing * 0.3 * np.abs(knee[:, 1] - ankle[:, 1])
    analysis = analyze_fixture(good.with_history("test: ankle guessed high", image_xy=xy))
    assert _metric(analysis, "start_shin_deg") is None
    assert "dl_knees_forward" not in fault_ids(analysis)


# ---- bar lead -------------------------------------------------------------------------------


def _shift(track: PoseTrack, names: list[str], feet: float, line: str) -> PoseTrack:
    rep, leg_px, _ = _pull(track)
    _, facing = _near_and_facing(track)
    foot_px = load_settings().get("view.foot_length") * leg_px
    xy = track.image_xy.copy()
    frames = slice(max(0, rep.start - int(1.5 * track.fps)), rep.bottom + 1)
    for name in names:
        xy[frames, INDEX[name], 0] += facing * feet * foot_px
    return track.with_history(line, image_xy=xy)


def test_the_clip_labelled_bar_too_far_raises_dl_bar_away() -> None:
    analysis = analyze_fixture(load_fixture_track("side_deadlift_bad_bar_far"))
    assert "dl_bar_away" in fault_ids(analysis), _metric(analysis, "bar_from_midfoot")


def test_hands_guessed_ahead_on_the_plate_do_not_raise_dl_bar_away(good: PoseTrack) -> None:
    """Only the hand landmarks jump a foot length forward (the model's guess when the near
    plate hides the hands): the arms still hang over mid-foot, so the bar has not moved."""
    guessed = analyze_fixture(_shift(good, HANDS, 1.0, "test: hands guessed 1 foot ahead"))
    assert "dl_bar_away" not in fault_ids(guessed), _metric(guessed, "bar_from_midfoot")


def test_arms_and_hands_a_foot_length_forward_raise_dl_bar_away(good: PoseTrack) -> None:
    """Swing the arms forward so the hands (and the bar) are a foot length further ahead."""
    ratio = load_settings().get("deadlift.arm_to_upper_arm")
    elbows = ["left_elbow", "right_elbow"]
    moved = _shift(good, HANDS, 1.0, "test: hands 1 foot ahead")
    moved = _shift(moved, elbows, 1.0 / ratio, "test: elbows moved with the hands")
    analysis = analyze_fixture(moved)
    assert "dl_bar_away" in fault_ids(analysis), _metric(analysis, "bar_from_midfoot")
