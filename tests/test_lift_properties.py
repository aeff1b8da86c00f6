"""Property tests for the deadlift and front-view stages: camera placement must not matter.

Moving, zooming or mirroring the picture changes no body proportion, so the rep count, the
lift chosen, and the ratio and angle metrics must not change (a mirror only flips the sign of
the sideways hip shift).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.pipeline import analyze_track
from formcheck.result import Analysis, VideoInfo
from formcheck.track import INDEX, LANDMARKS, PoseTrack

from .conftest import load_fixture_track

DEADLIFT = load_fixture_track("side_deadlift_2reps")
FRONT = load_fixture_track("front_prisoner_squat_3reps_10fps")
SWAP = [
    INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")] for n in LANDMARKS
]
FRONT_RATIOS = ("knee_width_ratio", "stance_width_ratio", "uneven_depth")


def _analyze(track: PoseTrack) -> Analysis:
    video = VideoInfo(
        "fixture", "fixture", track.fps, track.n_frames, 1.0, track.width, track.height, 0, "h"
    )
    return analyze_track(track, video)


def _moved(track: PoseTrack, scale: float, dx: float, dy: float, mirror: bool) -> PoseTrack:
    """Return the track as a camera further away or nearer, shifted, and maybe mirrored."""
    xy = track.image_xy * scale + np.array([dx, dy])
    width = int(np.ceil(track.width * scale + abs(dx))) + 1
    height = int(np.ceil(track.height * scale + abs(dy))) + 1
    world = track.world_xyz.copy()
    profile = track.back_profile
    vis = track.visibility
    if mirror:
        # In a mirrored video the pose model calls the lifter's left side "right": swap them.
        xy = xy[:, SWAP]
        world = world[:, SWAP]
        vis = vis[:, SWAP]
        xy[..., 0] = width - xy[..., 0]
        world[..., 0] = -world[..., 0]
    # The silhouette's normal sides swap with the mirror; distances scale with the picture.
    if profile is not None:
        profile = profile * scale
        if mirror:
            profile = profile[:, ::-1, :]
    return track.with_history(
        "test: camera moved",
        image_xy=xy,
        world_xyz=world,
        visibility=vis,
        width=width,
        height=height,
        back_profile=profile,
    )


placement = (
    st.floats(0.5, 2.0),
    st.floats(0, 400),
    st.floats(0, 400),
    st.booleans(),
)
BASE_DL = _analyze(DEADLIFT)
BASE_FRONT = _analyze(FRONT)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*placement)
def test_deadlift_reps_lift_and_angles_ignore_camera_placement(
    scale: float, dx: float, dy: float, mirror: bool
) -> None:
    moved = _analyze(_moved(DEADLIFT, scale, dx, dy, mirror))
    assert moved.lift == BASE_DL.lift == "deadlift"
    assert [(r.start_frame, r.end_frame) for r in moved.reps] == [
        (r.start_frame, r.end_frame) for r in BASE_DL.reps
    ]
    for a, b in zip(moved.reps, BASE_DL.reps, strict=True):
        for key in ("start_trunk_lean_deg", "early_pull_lean_change_deg", "lockout_lean_back_deg"):
            assert a.metrics[key].value is not None
            assert abs(a.metrics[key].value - b.metrics[key].value) < 0.5, key


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*placement)
def test_front_ratios_ignore_camera_placement_and_a_mirror_flips_the_shift(
    scale: float, dx: float, dy: float, mirror: bool
) -> None:
    moved = _analyze(_moved(FRONT, scale, dx, dy, mirror))
    assert len(moved.reps) == len(BASE_FRONT.reps) == 3
    for a, b in zip(moved.reps, BASE_FRONT.reps, strict=True):
        for key in FRONT_RATIOS:
            assert abs(a.metrics[key].value - b.metrics[key].value) < 0.02, key
        sign = -1.0 if mirror else 1.0
        shift_a, shift_b = a.metrics["lateral_shift"].value, b.metrics["lateral_shift"].value
        assert abs(shift_a - sign * shift_b) < 0.01
