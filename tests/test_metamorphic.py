"""Metamorphic tests on real squat motion: perturb a real pose track, expect the fault.

Each perturbation is described in words and applied only inside the reps; the unperturbed
track must not raise the fault.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.reps import segment_reps
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture as _analyze
from .conftest import fault_ids as _fault_ids
from .conftest import load_fixture_track

UPPER = [
    n
    for n in INDEX
    if any(
        k in n
        for k in (
            "shoulder",
            "elbow",
            "wrist",
            "pinky",
            "index",
            "thumb",
            "ear",
            "eye",
            "nose",
            "mouth",
        )
    )
    and "foot" not in n
]


def _rep_windows(track: PoseTrack) -> list:
    return segment_reps(clean_track(track, load_settings()), load_settings()).reps


def _facing(track: PoseTrack) -> float:
    return 1.0 if _analyze(track).view.facing == "right" else -1.0


def _rotate_upper_body(track: PoseTrack, frames: np.ndarray, degrees: np.ndarray) -> PoseTrack:
    """Return a copy with the upper body turned about the hip midpoint, forward by ``degrees``."""
    xy = track.image_xy.copy()
    hip = (xy[:, INDEX["left_hip"]] + xy[:, INDEX["right_hip"]]) / 2
    sign = _facing(track)  # forward = towards where the lifter faces
    for f, deg in zip(frames, degrees, strict=True):
        a = (
            np.radians(deg) * sign
        )  # image y points down: a clockwise turn leans a right-facer forward
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        for name in UPPER:
            j = INDEX[name]
            xy[f, j] = hip[f] + rot @ (xy[f, j] - hip[f])
    return track.with_history("test: upper body rotated", image_xy=xy)


@pytest.fixture(scope="module")
def sample() -> PoseTrack:
    return load_fixture_track("side_bodyweight_squat_2reps")


def test_unperturbed_sample_has_no_faults(sample: PoseTrack) -> None:
    analysis = _analyze(sample)
    assert len(analysis.reps) == 2
    assert (
        _fault_ids(analysis) & {"forward_lean", "hips_rise_first", "depth_shallow", "heels_lift"}
        == set()
    )


def test_tilting_the_trunk_raises_forward_lean(sample: PoseTrack) -> None:
    before = _analyze(sample)
    reps = _rep_windows(sample)
    frames = np.concatenate([np.arange(r.start, r.end + 1) for r in reps])
    # Lean grows smoothly to +25 deg at each bottom and back: a lifter folding forward.
    weights = np.concatenate(
        [
            np.interp(np.arange(r.start, r.end + 1), [r.start, r.bottom, r.end], [0, 1, 0])
            for r in reps
        ]
    )
    tilted = _rotate_upper_body(sample, frames, 25.0 * weights)
    after = _analyze(tilted)
    assert len(after.reps) == 2
    assert "forward_lean" in _fault_ids(after)
    lean_before = before.reps[0].metrics["trunk_lean_max_deg"].value
    lean_after = after.reps[0].metrics["trunk_lean_max_deg"].value
    assert isinstance(lean_before, float) and isinstance(lean_after, float)
    assert lean_after - lean_before == pytest.approx(25.0, abs=6.0)


def test_delaying_the_shoulders_raises_hips_rise_first(sample: PoseTrack) -> None:
    reps = _rep_windows(sample)
    frames, degrees = [], []
    for r in reps:
        # On the way up the hips lead: the trunk folds 15 deg further over the first third of
        # the ascent, then the shoulders catch up by lockout.
        span = np.arange(r.bottom_last, r.end + 1)
        mid = r.bottom_last + (r.end - r.bottom_last) // 3
        frames.append(span)
        degrees.append(np.interp(span, [r.bottom_last, mid, r.end], [0, 15, 0]))
    delayed = _rotate_upper_body(sample, np.concatenate(frames), np.concatenate(degrees))
    after = _analyze(delayed)
    assert "hips_rise_first" in _fault_ids(after)
    assert all("hips_rise_first" in {f.id for f in r.faults} for r in after.reps)


def test_raising_the_heels_raises_heels_lift(sample: PoseTrack) -> None:
    xy = sample.image_xy.copy()
    reps = _rep_windows(sample)
    foot = np.nanmedian(
        np.linalg.norm(xy[:, INDEX["right_heel"]] - xy[:, INDEX["right_foot_index"]], axis=1)
    )
    for r in reps:
        span = np.arange(r.start, r.end + 1)
        # Heels rise to a quarter of a foot length at the bottom, as on the toes.
        lift = np.interp(span, [r.start, r.bottom, r.end], [0, 0.25 * foot, 0])
        for side in ("left", "right"):
            xy[span, INDEX[f"{side}_heel"], 1] -= lift
    after = _analyze(sample.with_history("test: heels raised", image_xy=xy))
    assert "heels_lift" in _fault_ids(after)


def test_cutting_the_depth_raises_depth_shallow(sample: PoseTrack) -> None:
    xy = sample.image_xy.copy()
    reps = _rep_windows(sample)
    hip = (xy[:, INDEX["left_hip"]] + xy[:, INDEX["right_hip"]]) / 2
    knee = (xy[:, INDEX["left_knee"]] + xy[:, INDEX["right_knee"]]) / 2
    thigh = np.nanmedian(np.linalg.norm(hip - knee, axis=1))
    moved = [n for n in INDEX if "hip" in n] + UPPER
    for r in reps:
        span = np.arange(r.start, r.end + 1)
        # The lifter stops about 40% of a thigh length higher: hips and upper body ride up.
        up = np.interp(span, [r.start, r.bottom, r.end], [0, 0.4 * thigh, 0])
        for name in moved:
            xy[span, INDEX[name], 1] -= up
    after = _analyze(sample.with_history("test: depth cut", image_xy=xy))
    assert len(after.reps) == 2
    assert "depth_shallow" in _fault_ids(after)


def test_style_preset_and_override_change_the_threshold(sample: PoseTrack) -> None:
    strict = _analyze(sample, thresholds={"forward_lean": 20.0})
    assert "forward_lean" in _fault_ids(strict)
    lean = strict.faults[0]
    assert (
        lean.threshold == 20.0 and "trunk_lean_max_deg" in lean.evidence and "> 20" in lean.evidence
    )
    low_bar = _analyze(sample, style="low_bar")
    assert low_bar.settings["thresholds"]["forward_lean"]["value"] == 55.0


def _rotate_head(track: PoseTrack, degrees: float) -> PoseTrack:
    """Return a copy whose head tilts back by ``degrees`` about the neck at each rep's bottom."""
    xy = track.image_xy.copy()
    head = [n for n in INDEX if any(k in n for k in ("ear", "eye", "nose", "mouth"))]
    sign = _facing(track)
    for r in _rep_windows(track):
        span = np.arange(r.start, r.end + 1)
        weights = np.interp(span, [r.start, r.bottom, r.end], [0, 1, 0])
        for f, w in zip(span, weights, strict=True):
            neck = (xy[f, INDEX["left_shoulder"]] + xy[f, INDEX["right_shoulder"]]) / 2
            a = -np.radians(degrees * w) * sign  # backwards, against the facing direction
            rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
            for name in head:
                xy[f, INDEX[name]] = neck + rot @ (xy[f, INDEX[name]] - neck)
    return track.with_history(f"test: head tilted back {degrees} deg", image_xy=xy)


def test_tilting_the_head_back_raises_neck_not_neutral(sample: PoseTrack) -> None:
    assert "neck_not_neutral" not in _fault_ids(_analyze(sample))
    after = _analyze(_rotate_head(sample, 45.0))
    assert "neck_not_neutral" in _fault_ids(after)
    fault = next(f for f in after.faults if f.id == "neck_not_neutral")
    assert "looking up" in fault.evidence


def test_bar_drifting_over_the_toes_raises_bar_path_drift(sample: PoseTrack) -> None:
    before = _analyze(sample)
    assert "bar_path_drift" not in _fault_ids(before)
    xy = sample.image_xy.copy()
    foot = np.nanmedian(
        np.linalg.norm(xy[:, INDEX["right_heel"]] - xy[:, INDEX["right_foot_index"]], axis=1)
    )
    sign = _facing(sample)
    for r in _rep_windows(sample):
        span = np.arange(r.start, r.end + 1)
        # Shoulders, arms and head drift forward by 0.8 foot lengths at the bottom: the bar
        # ends up over the toes.
        shift = np.interp(span, [r.start, r.bottom, r.end], [0, 0.8 * foot, 0]) * sign
        for name in UPPER:
            xy[span, INDEX[name], 0] += shift
    after = _analyze(sample.with_history("test: bar over the toes", image_xy=xy))
    assert "bar_path_drift" in _fault_ids(after)
