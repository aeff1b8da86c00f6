"""A clip that changes view is split into parts, each analysed with its own view.

No shared clip changes view, so one is composed from two real tracks: a side-on squat set
followed by a front-view squat set (as if the phone were carried round to the front).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis.view_split import view_segments
from formcheck.pipeline import analyze_by_view, analyze_track
from formcheck.result import VideoInfo
from formcheck.track import PoseTrack

from .conftest import load_fixture_track


def _then(first: PoseTrack, second: PoseTrack) -> PoseTrack:
    """Return ``second`` appended to ``first`` at ``first``'s frame rate."""
    n = first.n_frames + second.n_frames
    return replace(
        first,
        image_xy=np.concatenate([first.image_xy, second.image_xy]),
        world_xyz=np.concatenate([first.world_xyz, second.world_xyz]),
        visibility=np.concatenate([first.visibility, second.visibility]),
        present=np.concatenate([first.present, second.present]),
        times_s=np.arange(n) / first.fps,
        width=max(first.width, second.width),
        height=max(first.height, second.height),
        back_profile=None,
    )


def _video(track: PoseTrack) -> VideoInfo:
    return VideoInfo(
        "composed",
        "none",
        track.fps,
        track.n_frames,
        float(track.times_s[-1]),
        track.width,
        track.height,
        0,
        "h264",
    )


@pytest.fixture(scope="module")
def side_then_front() -> PoseTrack:
    return _then(
        load_fixture_track("side_bodyweight_squat_2reps"),
        load_fixture_track("front_barbell_back_squat_3reps"),
    )


def test_side_then_front_is_split_where_the_view_changes(side_then_front: PoseTrack) -> None:
    parts = view_segments(side_then_front)
    assert [v for _, _, v in parts] == ["side", "front"]
    cut = parts[0][1]
    joint = load_fixture_track("side_bodyweight_squat_2reps").n_frames
    assert abs(cut - joint) < 2 * side_then_front.fps  # within 2 s of the real change


def test_each_part_is_analysed_with_its_view(side_then_front: PoseTrack) -> None:
    side, front = analyze_by_view(side_then_front, _video(side_then_front))
    assert (side.view.view, len(side.reps)) == ("side", 2)
    assert (front.view.view, len(front.reps)) == ("front", 3)
    assert "knee_width_ratio" in front.reps[0].metrics
    assert "depth_thigh_deg" in side.reps[0].metrics
    assert side.warnings[0].startswith("part 1 of 2")
    assert front.reps[0].start_s > side.reps[-1].end_s  # times stay the clip's


@pytest.mark.parametrize("name", ["side_deadlift_2reps", "front_bodyweight_squat_10reps_correct"])
def test_a_clip_in_one_view_stays_whole(name: str) -> None:
    track = load_fixture_track(name)
    assert view_segments(track) == [(0, track.n_frames, view_segments(track)[0][2])]
    assert analyze_by_view(track, _video(track)) == []
    whole = analyze_track(track, _video(track))
    assert whole.parts == []
    assert not whole.warnings or not whole.warnings[0].startswith("part ")
