"""Hard rep-segmentation cases made from real pose tracks (metamorphic tests).

Each case changes a real BlazePose track in a way described in words - a Romanian deadlift
made by cutting the floor phase out of a conventional set, a cut spliced into a clip, a
set-up wiggle before a pull, a set of quarter squats - and checks the count, while the
unchanged track keeps its count.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.cuts import find_cuts
from formcheck.analysis.pulls import wrist_above_knee
from formcheck.analysis.reps import leg_length, segment_reps, trunk_lean
from formcheck.analysis.signals import clean_track
from formcheck.config import load_settings
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture, load_fixture_track

SETTINGS = load_settings()
HANDS = [f"{s}_{j}" for s in ("left", "right") for j in ("wrist", "pinky", "index", "thumb")]
UPPER = [
    n
    for n in INDEX
    if n.split("_")[-1] in ("shoulder", "elbow", "ear", "eye", "inner", "outer", "left", "right")
    or n == "nose"
]


def _frames(track: PoseTrack, order: np.ndarray, line: str) -> PoseTrack:
    """Return the track made of ``order``'s frames, re-timed at the clip's frame rate."""
    return track.with_history(
        line,
        image_xy=track.image_xy[order],
        world_xyz=track.world_xyz[order],
        visibility=track.visibility[order],
        present=track.present[order],
        times_s=np.arange(len(order)) / track.fps,
        back_profile=None if track.back_profile is None else track.back_profile[order],
    )


def _count(track: PoseTrack, lift: str, **kw: object) -> int:
    return len(analyze_fixture(track, lift=lift, split_by_view=False, **kw).reps)


def _rdl_from_conventional() -> PoseTrack:
    """Return two RDL reps cut from a real 2-rep conventional deadlift.

    Standing at lockout 1 -> down to the knees -> (cut: the floor and the pull below the
    knees) -> up with pull 2 -> lockout 2 -> down to the knees -> (cut) -> up with pull 1 to
    lockout 1. Each splice joins two frames with the wrists at knee height, so the motion
    stays continuous; the bar never goes below the knees.
    """
    track = load_fixture_track("side_deadlift_2reps")
    clean = clean_track(track, SETTINGS)
    wrist = wrist_above_knee(clean, leg_length(clean))
    reps = segment_reps(clean, SETTINGS, "deadlift").reps
    assert len(reps) == 2
    above = np.nan_to_num(wrist, nan=-1.0) > 0.0
    r1, r2 = reps

    def run(a: int, b: int) -> np.ndarray:
        return np.arange(a, b)

    up1 = int(np.flatnonzero(~above[: r1.bottom])[-1]) + 1  # pull 1 passes the knees
    down1 = r1.bottom + int(np.flatnonzero(~above[r1.bottom :])[0])  # lowering 1 reaches them
    up2 = int(np.flatnonzero(~above[: r2.bottom])[-1]) + 1
    down2 = r2.bottom + int(np.flatnonzero(~above[r2.bottom :])[0])
    order = np.r_[run(r1.bottom, down1), run(up2, down2), run(up1, r1.bottom + 1)]
    return _frames(track, order, "test: floor phase cut out -> two RDL reps")


def test_rdl_cut_from_a_conventional_set_counts_two_reps() -> None:
    rdl = _rdl_from_conventional()
    lean = trunk_lean(clean_track(rdl, SETTINGS))
    assert lean[0] < 15 and lean[-1] < 15  # starts and ends standing
    assert _count(rdl, "deadlift") == 2
    named = analyze_fixture(rdl, lift="deadlift", style="romanian", split_by_view=False)
    assert len(named.reps) == 2
    assert named.style == "romanian"
    assert "hinge_knee_bend_deg" in named.reps[0].metrics


def test_rdl_set_with_the_pick_up_counts_only_the_hinges() -> None:
    """The pull that picks the bar up from the floor is not an RDL rep."""
    track = load_fixture_track("side_deadlift_2reps")
    rdl = _rdl_from_conventional()
    clean = clean_track(track, SETTINGS)
    first = segment_reps(clean, SETTINGS, "deadlift").reps[0]
    pick_up = slice(0, first.bottom)  # walk-in, set-up and pull 1 up to lockout
    both = rdl.with_history(
        "test: pick-up pull, then two RDL reps",
        image_xy=np.concatenate([track.image_xy[pick_up], rdl.image_xy]),
        world_xyz=np.concatenate([track.world_xyz[pick_up], rdl.world_xyz]),
        visibility=np.concatenate([track.visibility[pick_up], rdl.visibility]),
        present=np.concatenate([track.present[pick_up], rdl.present]),
        times_s=np.arange(first.bottom + rdl.n_frames) / track.fps,
        back_profile=None,
    )
    analysis = analyze_fixture(both, lift="deadlift", style="romanian", split_by_view=False)
    assert len(analysis.reps) == 2, analysis.warnings


def _splice_with_a_cut(track: PoseTrack, a: int, b: int) -> PoseTrack:
    """Return frames 0..a then b..end, the second shot moved and zoomed as a new camera would."""
    xy = track.image_xy.copy()
    torso = np.nanmedian(
        np.linalg.norm(xy[:, INDEX["left_shoulder"]] - xy[:, INDEX["left_hip"]], axis=1)
    )
    centre = np.nanmedian(xy[b:].reshape(-1, 2), axis=0)
    xy[b:] = centre + 0.85 * (xy[b:] - centre) + np.array([0.8 * torso, 0.3 * torso])
    moved = track.with_history("test: second shot moved and zoomed", image_xy=xy)
    return _frames(moved, np.r_[np.arange(0, a), np.arange(b, track.n_frames)], "test: cut")


def test_a_cut_spliced_into_a_squat_set_starts_a_new_shot() -> None:
    """Cut from the middle of rep 4's descent to the middle of rep 6's ascent."""
    track = load_fixture_track("side_bodyweight_squat_8reps")
    reps = segment_reps(clean_track(track, SETTINGS), SETTINGS).reps
    assert len(reps) == 8 and find_cuts(track, SETTINGS) == []
    a = (reps[3].start + reps[3].bottom) // 2
    b = (reps[5].bottom + reps[5].end) // 2
    cut = _splice_with_a_cut(track, a, b)
    assert find_cuts(cut, SETTINGS) == [a]
    analysis = analyze_fixture(cut, lift="squat", split_by_view=False)
    # Reps 1-3 before the cut and 7-8 after it; the halves of reps 4 and 6 are not a rep.
    assert len(analysis.reps) == 5
    assert all(r.end_frame < a or r.start_frame >= a for r in analysis.reps)
    assert any("cut" in w for w in analysis.warnings)


def test_no_cut_is_found_in_the_real_fixture_tracks() -> None:
    for name in (
        "side_bodyweight_squat_2reps",
        "front_prisoner_squat_3reps_10fps",
        "side_deadlift_2reps",
        "side_deadlift_good_correct_form",
        "front_bodyweight_squat_10reps_correct",
    ):
        assert find_cuts(load_fixture_track(name), SETTINGS) == [], name


def _bump(n: int, a: int, b: int) -> np.ndarray:
    w = np.zeros(n)
    w[a : b + 1] = np.sin(np.linspace(0, np.pi, b - a + 1))
    return w


def test_set_up_wiggle_before_the_pull_is_not_counted() -> None:
    """Before the pull, sink the hips and lift the chest 45 deg with the hands on the bar.

    That is squatting down to the bar to set the back: the trunk swings like a pull, but
    the wrists stay at the bar on the floor.
    """
    track = load_fixture_track("side_deadlift_good_correct_form")
    assert _count(track, "deadlift") == 1
    xy = track.image_xy.copy()
    w = _bump(track.n_frames, 20, 95)
    hip = (xy[:, INDEX["left_hip"]] + xy[:, INDEX["right_hip"]]) / 2
    toward = np.sign(
        np.nanmedian(xy[:30, INDEX["left_shoulder"], 0] - xy[:30, INDEX["left_hip"], 0])
    )
    for f in np.flatnonzero(w > 0):
        ang = -np.radians(45.0 * w[f]) * toward  # y down: this turns the trunk up
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        for name in UPPER:
            xy[f, INDEX[name]] = hip[f] + rot @ (xy[f, INDEX[name]] - hip[f])
    wiggle = track.with_history("test: set-up wiggle before the pull", image_xy=xy)
    lean = trunk_lean(clean_track(wiggle, SETTINGS))
    assert np.nanmax(lean[:20]) - np.nanmin(lean[40:80]) > SETTINGS.get("reps.dl_min_lean_change")
    analysis = analyze_fixture(wiggle, lift="deadlift", split_by_view=False)
    assert len(analysis.reps) == 1, analysis.warnings
    assert any("bar did not come up" in w or "no lockout" in w for w in analysis.warnings)


def test_quarter_squats_are_counted_and_marked_partial() -> None:
    """Scale every landmark's move away from standing to 40%: eight quarter squats."""
    track = load_fixture_track("side_bodyweight_squat_8reps")
    full = analyze_fixture(track, lift="squat", split_by_view=False)
    assert len(full.reps) == 8 and not any(r.partial for r in full.reps)
    xy = track.image_xy
    stand = np.nanmedian(xy[:5], axis=0)
    shallow = track.with_history("test: 40% depth", image_xy=stand + 0.4 * (xy - stand))
    quarter = analyze_fixture(shallow, lift="squat", split_by_view=False)
    assert len(quarter.reps) == 8
    assert all(r.partial for r in quarter.reps)
    assert any("partial" in w for w in quarter.warnings)
