"""Who is the lifter when two people are in frame, and analysing part of a clip.

The second person is a copy of a real lifter's track placed beside them: moving alike (a
training partner doing the same reps, a split screen), or standing still (a bystander).
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.capture.people import Sighting, body_from_landmarks, check_person, choose_lifter
from formcheck.capture.pose import load_pose_settings
from formcheck.errors import ConfigError, MultiplePeopleError
from formcheck.track import PoseTrack

from .conftest import analyze_fixture, load_fixture_track

POSE = load_pose_settings()


def _two_people(
    track: PoseTrack, shift: float, *, still: bool = False, scale: float = 1.0
) -> list[Sighting]:
    """Return sightings of the lifter and a copy ``shift`` px to the right, every 5th frame.

    ``still`` freezes the copy in the first frame's pose; ``scale`` shrinks it about its hips.
    """
    out = []
    first = track.image_xy[np.flatnonzero(track.present)[0]]
    for f in range(0, track.n_frames, 5):
        if not track.present[f]:
            continue
        xy = track.image_xy[f]
        copy = (first if still else xy).copy()
        hip = copy[23:25].mean(axis=0)
        copy = hip + scale * (copy - hip) + np.array([shift, 0.0])
        out.append(
            Sighting(f, float(track.times_s[f]), body_from_landmarks(xy), body_from_landmarks(copy))
        )
    return out


def _setup() -> tuple[PoseTrack, float, int]:
    track = load_fixture_track("side_bodyweight_squat_8reps")
    xy = track.image_xy[track.present]
    box = float(np.nanmedian(np.nanmax(xy[:, :, 0], axis=1) - np.nanmin(xy[:, :, 0], axis=1)))
    centre = float(np.nanmedian(xy[:, 23:25, 0]))
    return track, 1.5 * box, int(2 * centre + 3 * box)  # the lifter sits left of centre


def test_a_partner_doing_the_same_reps_is_not_refused() -> None:
    track, shift, width = _setup()
    sightings = _two_people(track, shift)
    choice = choose_lifter(sightings, [], width, POSE)
    # Moving alike and the same size: the more central of the two, and the note says so.
    lifter_x = sightings[0].tracked.hip[0]
    copy_x = sightings[0].other.hip[0]  # type: ignore[union-attr]
    central = "left" if abs(lifter_x - width / 2) < abs(copy_x - width / 2) else "right"
    assert f"followed the person on the {central}" in choice.warnings[0]
    assert "larger and more central" in choice.warnings[0]


def test_the_one_doing_reps_beats_a_bystander() -> None:
    track, shift, width = _setup()
    choice = choose_lifter(_two_people(track, shift, still=True), [], width, POSE)
    assert "on the left who is doing the reps" in choice.warnings[0]
    assert not choice.rerun  # the tracker was on the lifter all along


@pytest.mark.parametrize(
    ("person", "side"), [("left", "left"), ("right", "right"), ("1", "left"), ("2", "right")]
)
def test_person_flag_picks_a_side(person: str, side: str) -> None:
    track, shift, width = _setup()
    choice = choose_lifter(_two_people(track, shift, still=True), [], width, POSE, person)
    assert f"on the {side}" in choice.warnings[0]
    assert choice.rerun == (side == "right")  # following the copy needs the other masked


def test_person_largest_picks_the_bigger_body() -> None:
    track, shift, width = _setup()
    choice = choose_lifter(_two_people(track, shift, scale=0.7), [], width, POSE, "largest")
    assert "on the left" in choice.warnings[0]


def test_a_person_number_beyond_the_people_found_is_refused() -> None:
    track, shift, width = _setup()
    with pytest.raises(MultiplePeopleError, match="expected a number up to the 2 people"):
        choose_lifter(_two_people(track, shift), [], width, POSE, "3")


def test_bad_person_values_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"--person: expected one of auto.*got 'middle'"):
        check_person("middle")
    track = load_fixture_track("side_bodyweight_squat_2reps")
    with pytest.raises(ConfigError, match="--person"):
        analyze_fixture(track, person="0")


def test_start_and_end_analyse_part_of_the_clip() -> None:
    track = load_fixture_track("side_bodyweight_squat_8reps")
    whole = analyze_fixture(track, lift="squat", split_by_view=False)
    assert len(whole.reps) == 8
    a, b = whole.reps[0].start_s - 0.2, whole.reps[2].end_s + 0.2
    part = analyze_fixture(track, lift="squat", split_by_view=False, start_s=a, end_s=b)
    assert len(part.reps) == 3
    assert any("--start/--end" in w for w in part.warnings)
    assert part.reps[0].start_s == pytest.approx(whole.reps[0].start_s, abs=0.15)


def test_bad_start_and_end_are_refused_in_one_message() -> None:
    track = load_fixture_track("side_bodyweight_squat_2reps")
    with pytest.raises(ConfigError, match=r"--start: expected seconds >= 0.*"):
        analyze_fixture(track, start_s=-1.0)
    with pytest.raises(ConfigError, match=r"--end: expected a time after --start 5 s, got 2 s"):
        analyze_fixture(track, start_s=5.0, end_s=2.0)
    with pytest.raises(ConfigError, match=r"expected a part of the clip"):
        analyze_fixture(track, start_s=500.0)
