"""Deadlift analysis on real pose tracks: reps, lift detection, and metamorphic fault tests.

The fixtures are real BlazePose tracks of deadlift clips in ../shared/data (see
tests/fixtures/tracks/README.md). Each perturbation is described in words; the unperturbed
track must not raise the fault it provokes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis.deadlift import lift_off_frame
from formcheck.analysis.reps import RepWindow, segment_reps
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.errors import ConfigError
from formcheck.pipeline import analyze_video
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture as _analyze
from .conftest import clip_catalogue, load_fixture_track, require_shared
from .conftest import fault_ids as _ids

UPPER = [
    n
    for n in INDEX
    if n.split("_")[-1] in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb", "ear", "eye")
    or n in ("nose", "mouth_left", "mouth_right")
    or n.endswith(("eye_inner", "eye_outer"))
]
HANDS = [f"{s}_{j}" for s in ("left", "right") for j in ("wrist", "pinky", "index", "thumb")]


def _pulls(track: PoseTrack) -> list[RepWindow]:
    settings = load_settings()
    return segment_reps(clean_track(track, settings), settings, "deadlift").reps


def _facing(track: PoseTrack) -> float:
    return 1.0 if _analyze(track, lift="deadlift").view.facing == "right" else -1.0


def _with_xy(track: PoseTrack, xy: np.ndarray, line: str) -> PoseTrack:
    return track.with_history(line, image_xy=xy)


def _bump(n: int, a: int, b: int) -> np.ndarray:
    """Return a weight per frame: 0 outside a..b, rising smoothly to 1 mid-way and back."""
    w = np.zeros(n)
    w[a : b + 1] = np.sin(np.linspace(0, np.pi, b - a + 1))
    return w


# ---- reps and lift on the real tracks -------------------------------------------------------

REAL_PULLS = {
    "side_deadlift_2reps": 2,
    "side_deadlift_good_correct_form": 1,
    "side_deadlift_bad_rounded_back": 1,  # the clip ends at lockout: the pull still counts
    "side_deadlift_bad_bar_far": 1,
}


@pytest.mark.parametrize(("name", "expected"), sorted(REAL_PULLS.items()))
def test_real_deadlift_tracks_give_the_clip_rep_count_lift_and_view(
    name: str, expected: int
) -> None:
    analysis = _analyze(load_fixture_track(name))  # lift="auto"
    assert analysis.lift == "deadlift"
    assert analysis.lift_reason.startswith("deadlift (detected:")
    assert "below the knees" in analysis.lift_reason
    assert analysis.view.view == "side"
    assert len(analysis.reps) == expected
    for rep in analysis.reps:
        assert rep.start_s < rep.bottom_s <= rep.end_s  # bottom = lockout for a deadlift
        assert rep.metrics["start_trunk_lean_deg"].value > 45  # bent over the bar at the set
        assert rep.metrics["pull_s"].value > 0


def test_labelled_good_deadlift_has_no_fault() -> None:
    analysis = _analyze(load_fixture_track("side_deadlift_good_correct_form"))
    assert _ids(analysis) == set(), [f.evidence for f in analysis.faults]
    analysis = _analyze(load_fixture_track("side_deadlift_2reps"))
    assert _ids(analysis) == set(), [f.evidence for f in analysis.faults]


def test_labelled_rounded_back_raises_the_experimental_rounding_flag() -> None:
    analysis = _analyze(load_fixture_track("side_deadlift_bad_rounded_back"))
    faults = [f for f in analysis.faults if f.id == "dl_back_rounding"]
    assert faults and all(f.experimental for f in faults)


def test_touch_and_go_reps_are_counted_like_dead_stop_reps() -> None:
    """Cut out the pause on the floor between the two reps: the bar touches and goes."""
    track = load_fixture_track("side_deadlift_2reps")
    first, second = _pulls(track)
    keep = np.r_[0 : first.end + 1, second.start : track.n_frames]
    dt = 1.0 / track.fps
    spliced = replace(
        track,
        image_xy=track.image_xy[keep],
        world_xyz=track.world_xyz[keep],
        visibility=track.visibility[keep],
        present=track.present[keep],
        times_s=np.arange(len(keep)) * dt,
        back_profile=None if track.back_profile is None else track.back_profile[keep],
    )
    reps = _pulls(spliced)
    assert len(reps) == 2
    assert reps[0].end <= reps[1].start + 1  # one floor touch between them, no pause


def test_a_clip_ending_at_lockout_still_counts_its_last_pull() -> None:
    track = load_fixture_track("side_deadlift_2reps")
    _, second = _pulls(track)
    end = second.bottom_last + 1
    cut = replace(
        track,
        image_xy=track.image_xy[:end],
        world_xyz=track.world_xyz[:end],
        visibility=track.visibility[:end],
        present=track.present[:end],
        times_s=track.times_s[:end],
        back_profile=None,
    )
    assert len(_pulls(cut)) == 2


def test_a_deadlift_segmented_as_a_squat_and_back_keeps_squat_counts() -> None:
    """The deadlift branch must not change squat segmentation: a squat track, lift=squat."""
    track = load_fixture_track("side_bodyweight_squat_8reps")
    settings = load_settings()
    clean = clean_track(track, settings)
    assert len(segment_reps(clean, settings, "squat").reps) == 8


# ---- metamorphic: provoke each fault on a clean real pull -------------------------------------


def test_hips_shooting_up_early_in_the_pull_raise_dl_hips_shoot_up() -> None:
    """Raise both hips by up to 0.25 leg lengths, fastest in the first third of the pull and
    back to their real path by lockout, shoulders unchanged: the hips rise before the
    shoulders and the back gets more horizontal."""
    track = load_fixture_track("side_deadlift_good_correct_form")
    assert "dl_hips_shoot_up" not in _ids(_analyze(track))
    settings = load_settings()
    clean = clean_track(track, settings)
    rep = segment_reps(clean, settings, "deadlift").reps[0]
    leg_px = segment_reps(clean, settings, "deadlift").leg_length_px
    start = lift_off_frame(clean, rep, leg_px)
    xy = track.image_xy.copy()
    peak = start + (rep.bottom - start) // 3
    w = np.zeros(track.n_frames)
    w[start : peak + 1] = np.linspace(0, 1, peak - start + 1)
    w[peak : rep.bottom + 1] = np.linspace(1, 0, rep.bottom - peak + 1)
    for name in ("left_hip", "right_hip"):
        xy[:, INDEX[name], 1] -= 0.25 * leg_px * w  # image y points down: minus = up
    analysis = _analyze(_with_xy(track, xy, "test: hips raised early in the pull"))
    faults = [f for f in analysis.faults if f.id == "dl_hips_shoot_up"]
    assert faults, analysis.reps[0].metrics["early_pull_lean_change_deg"]
    assert faults[0].value > 12


def test_leaning_back_at_lockout_raises_dl_lockout_hyperextension() -> None:
    """Turn the upper body 25 deg backwards about the hips while the lifter is locked out."""
    track = load_fixture_track("side_deadlift_good_correct_form")
    assert "dl_lockout_hyperextension" not in _ids(_analyze(track))
    rep = _pulls(track)[0]
    sign = -_facing(track)  # backwards = away from where the lifter faces
    xy = track.image_xy.copy()
    hip = (xy[:, INDEX["left_hip"]] + xy[:, INDEX["right_hip"]]) / 2
    pad = int(0.3 * track.fps)
    w = np.clip(_bump(track.n_frames, rep.bottom_first - pad, rep.bottom_last + pad) * 2, 0, 1)
    for f in np.flatnonzero(w):
        a = np.radians(25.0 * w[f]) * sign
        # Image y points down, so a visual clockwise turn is +a in (x, y-down) coordinates.
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        for name in UPPER:
            xy[f, INDEX[name]] = hip[f] + rot @ (xy[f, INDEX[name]] - hip[f])
    analysis = _analyze(_with_xy(track, xy, "test: upper body leant back 25 deg at lockout"))
    value = analysis.reps[0].metrics["lockout_lean_back_deg"].value
    assert "dl_lockout_hyperextension" in _ids(analysis), value
    assert value is not None and value > 15


def test_flexing_the_back_silhouette_in_the_pull_raises_dl_back_rounding() -> None:
    """Bulge the back silhouette by 0.15 torso lengths mid-trunk during the pull only."""
    track = load_fixture_track("side_deadlift_good_correct_form")
    assert "dl_back_rounding" not in _ids(_analyze(track))
    assert track.back_profile is not None
    rep = _pulls(track)[0]
    xy = track.image_xy
    torso = np.nanmedian(
        np.linalg.norm(xy[:, INDEX["left_shoulder"]] - xy[:, INDEX["left_hip"]], axis=1)
    )
    profile = track.back_profile.copy()
    k = profile.shape[2]
    shape = np.sin(np.linspace(0, np.pi, k))  # most in the middle of the back, none at ends
    a = max(0, rep.start - int(1.0 * track.fps))
    profile[a : rep.bottom_first, :, :] += 0.15 * torso * shape
    bent = track.with_history("test: back bulged in the pull", back_profile=profile)
    assert "dl_back_rounding" in _ids(_analyze(bent))


# ---- lift choice and bad input ----------------------------------------------------------------


def test_auto_tells_a_squat_from_a_deadlift_and_the_user_can_override() -> None:
    squat = load_fixture_track("side_bodyweight_squat_2reps")
    auto = _analyze(squat)
    assert auto.lift == "squat" and auto.style == "high_bar"
    assert "above the knees" in auto.lift_reason
    forced = _analyze(load_fixture_track("side_deadlift_2reps"), lift="squat")
    assert forced.lift == "squat" and forced.lift_reason == "squat (chosen by the user)"
    by_style = _analyze(squat, style="conventional")
    assert by_style.lift == "deadlift"
    assert by_style.lift_reason == "deadlift (implied by --style conventional)"


def test_a_squat_style_with_lift_deadlift_is_refused() -> None:
    track = load_fixture_track("side_deadlift_2reps")
    expected = r"expected a deadlift style \['conventional', 'romanian'\]"
    with pytest.raises(ConfigError, match=expected):
        _analyze(track, lift="deadlift", style="low_bar")


def test_unknown_lift_and_bad_height_are_reported_together() -> None:
    track = load_fixture_track("side_deadlift_2reps")
    with pytest.raises(ConfigError, match=r"--lift: expected one of .*; --height-cm"):
        _analyze(track, lift="bench", height_cm=20)


def test_unknown_style_is_refused_before_any_work() -> None:
    track = load_fixture_track("side_deadlift_2reps")
    with pytest.raises(ConfigError, match=r"--style: expected one of .*got 'sumo'"):
        _analyze(track, style="sumo")


# ---- the real pose model on the real deadlift clips (CI) --------------------------------------

DEADLIFTS = sorted(k for k, v in clip_catalogue().items() if v["lift"] == "deadlift")
# Labelled oblique by eye; the detector measures them 81-82 deg (side on) on every cue.
VIEW_DISAGREES = {"oblique_deadlift_bad_b", "oblique_deadlift_bad_c"}
# The camera pans down at lockout and cuts the head off; the pose model then puts the trunk
# at ~42 deg from vertical at lockout (~0 on the dev track), so no pull reaches a lockout.
POSE_MISSES = {
    "side_deadlift_bad_overextended_lockout": "head out of frame at lockout: trunk reads 42 deg"
}


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=POSE_MISSES[n], strict=True))
        if n in POSE_MISSES
        else n
        for n in DEADLIFTS
    ],
)
def test_real_deadlift_clip_reps_lift_and_view(name: str, pose_cache: Path) -> None:
    shared = require_shared()
    item = clip_catalogue()[name]
    analysis = analyze_video(shared / "clips" / f"{name}.mp4", cache_dir=pose_cache)
    assert analysis.lift == "deadlift", analysis.lift_reason
    assert len(analysis.reps) == item["reps"], [(r.start_s, r.end_s) for r in analysis.reps]
    if name not in VIEW_DISAGREES:
        assert analysis.view.view == item["view"], analysis.view.reason
    if item.get("faults_expected", "").startswith("none"):
        assert not [f for f in analysis.faults if f.severity == "fault"], [
            f.evidence for f in analysis.faults
        ]
