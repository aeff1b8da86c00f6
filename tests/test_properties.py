"""Property tests: angle ranges, rep count under resampling, rules round-trip."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from formcheck.analysis.signals import angle_below_horizontal, angle_from_vertical, interior_angle
from formcheck.config import RuleBook, load_rules
from formcheck.pipeline import analyze_track
from formcheck.result import VideoInfo
from formcheck.track import PoseTrack

from .conftest import load_fixture_track

coords = arrays(np.float64, (16, 2), elements=st.floats(-5000, 5000, allow_nan=False))


@given(coords, coords, coords)
def test_interior_angle_stays_in_0_180(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    ang = interior_angle(a, b, c)
    finite = ang[np.isfinite(ang)]
    assert np.all((finite >= 0) & (finite <= 180))


@given(coords, coords)
def test_segment_angles_stay_in_range(a: np.ndarray, b: np.ndarray) -> None:
    v = angle_from_vertical(a, b)
    h = angle_below_horizontal(a, b)
    assert np.all((v >= 0) & (v <= 180))
    assert np.all((h >= -90) & (h <= 90))


@given(st.floats(0, 359.9), st.floats(1, 500))
def test_interior_angle_never_flips(theta: float, r: float) -> None:
    # A joint opening through any angle reads the same whichever way round it is measured.
    b = np.zeros((1, 2))
    a = np.array([[r, 0.0]])
    c = np.array([[r * np.cos(np.radians(theta)), r * np.sin(np.radians(theta))]])
    expected = theta if theta <= 180 else 360 - theta
    assert abs(float(interior_angle(a, b, c)[0]) - expected) < 1e-6
    assert abs(float(interior_angle(c, b, a)[0]) - expected) < 1e-6


def _resample(track: PoseTrack, fps: float) -> PoseTrack:
    t_new = np.arange(0, track.times_s[-1], 1 / fps)

    def interp(arr: np.ndarray) -> np.ndarray:
        flat = arr.reshape(len(arr), -1)
        out = np.stack(
            [np.interp(t_new, track.times_s, flat[:, k]) for k in range(flat.shape[1])], 1
        )
        return out.reshape((len(t_new), *arr.shape[1:]))

    return PoseTrack(
        image_xy=interp(track.image_xy),
        world_xyz=interp(track.world_xyz),
        visibility=interp(track.visibility),
        present=np.ones(len(t_new), bool),
        times_s=t_new,
        fps=fps,
        width=track.width,
        height=track.height,
        source=track.source,
        history=[*track.history, f"resampled to {fps} fps"],
    )


def _count(track: PoseTrack) -> int:
    video = VideoInfo(
        "fixture",
        "x",
        track.fps,
        track.n_frames,
        float(track.times_s[-1]),
        track.width,
        track.height,
        0,
        "h264",
    )
    return len(analyze_track(track, video).reps)


@settings(max_examples=6, deadline=None)
@given(st.sampled_from([10.0, 15.0, 24.0, 30.0, 50.0, 60.0]))
def test_rep_count_survives_resampling(fps: float) -> None:
    track = load_fixture_track("side_bodyweight_squat_8reps")
    assert _count(track) == 8
    assert _count(_resample(track, fps)) == 8


def test_rules_round_trip_through_their_model() -> None:
    book = load_rules()
    again = RuleBook.model_validate(book.model_dump())
    assert again == book
    assert {
        "depth_shallow",
        "forward_lean",
        "hips_rise_first",
        "neck_not_neutral",
        "heels_lift",
        "knees_past_toes",
        "bar_path_drift",
        "back_rounding",
    } <= set(book.faults)
    assert book.faults["knees_past_toes"].severity == "info"
    assert book.faults["back_rounding"].severity == "experimental"
    for rule in book.faults.values():
        assert rule.unit and rule.source and rule.reason and rule.cue and rule.soreness
