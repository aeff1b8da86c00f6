"""Front-view squat analysis on real pose tracks: reps, view, lift, and metamorphic faults.

Each perturbation is described in words and applied smoothly over the rep (zero at its
start and end) so the signal cleaning sees motion, not a jump; the unperturbed real track
must not raise the fault.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.config import load_rules
from formcheck.errors import ConfigError
from formcheck.pipeline import analyze_video
from formcheck.result import Analysis
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture as _analyze
from .conftest import clip_catalogue, load_fixture_track, require_shared
from .conftest import fault_ids as _ids

FRONT = {
    "front_bodyweight_squat_10reps_correct": 10,
    "front_barbell_back_squat_3reps": 3,
    "front_prisoner_squat_3reps_10fps": 3,
}
FRONT_FAULTS = {"knee_valgus", "stance_width", "feet_turn_out", "lateral_shift", "uneven_depth"}
FOOT = ("ankle", "heel", "foot_index")


def _weights(track: PoseTrack, analysis: Analysis, *, from_bottom: bool = False) -> np.ndarray:
    """Return 0..1 per frame: a smooth bump over each rep (or from its bottom to its end)."""
    w = np.zeros(track.n_frames)
    for rep in analysis.reps:
        a = rep.bottom_frame - (rep.bottom_frame - rep.start_frame) // 2 if from_bottom else None
        a = rep.start_frame if a is None else a
        b = rep.end_frame
        w[a : b + 1] = np.maximum(w[a : b + 1], np.sin(np.linspace(0, np.pi, b - a + 1)))
    return w


def _x(xy: np.ndarray, name: str) -> np.ndarray:
    return xy[:, INDEX[name], 0]


@pytest.fixture(scope="module")
def correct() -> tuple[PoseTrack, Analysis]:
    track = load_fixture_track("front_bodyweight_squat_10reps_correct")
    return track, _analyze(track)


@pytest.mark.parametrize(("name", "expected"), sorted(FRONT.items()))
def test_real_front_tracks_give_rep_count_view_and_lift(name: str, expected: int) -> None:
    analysis = _analyze(load_fixture_track(name))  # lift="auto"
    assert analysis.view.view == "front", analysis.view.reason
    assert analysis.lift == "squat", analysis.lift_reason
    assert "above the knees" in analysis.lift_reason
    assert len(analysis.reps) == expected
    for rep in analysis.reps:
        assert rep.metrics["knee_width_ratio"].value is not None
        assert rep.metrics["stance_width_ratio"].value is not None


def test_real_front_tracks_raise_no_front_fault() -> None:
    for name in FRONT:
        analysis = _analyze(load_fixture_track(name))
        assert not (_ids(analysis) & FRONT_FAULTS), [f.evidence for f in analysis.faults]


def test_side_only_checks_are_listed_as_unsupported_from_the_front(
    correct: tuple[PoseTrack, Analysis],
) -> None:
    _, analysis = correct
    assert any(u.startswith("forward_lean: needs a side view") for u in analysis.view.unsupported)
    assert not any(u.startswith("knee_valgus") for u in analysis.view.unsupported)


def test_knees_pushed_in_at_the_bottom_raise_knee_valgus_as_a_flag(
    correct: tuple[PoseTrack, Analysis],
) -> None:
    """Move each knee towards the midline until, at the bottom, the knees are 0.6 x as far
    apart as the ankles (they are ~1.2 x in the real track)."""
    track, analysis = correct
    xy = track.image_xy.copy()
    w = _weights(track, analysis)
    mid = (_x(xy, "left_knee") + _x(xy, "right_knee")) / 2
    ankle_w = np.abs(_x(xy, "left_ankle") - _x(xy, "right_ankle"))
    for side in ("left", "right"):
        k = INDEX[f"{side}_knee"]
        half = xy[:, k, 0] - mid
        target = np.sign(half) * 0.3 * ankle_w
        xy[:, k, 0] = mid + half + w * (target - half)
    bent = _analyze(track.with_history("test: knees pushed in", image_xy=xy))
    faults = [f for f in bent.faults if f.id == "knee_valgus"]
    assert len(faults) >= 8  # nearly every rep
    assert "not a clinical angle" in faults[0].evidence
    assert "knee_valgus" not in _ids(analysis)


def test_hips_shifted_sideways_on_the_way_up_raise_lateral_shift(
    correct: tuple[PoseTrack, Analysis],
) -> None:
    """Shift the whole upper body (hips and above) 0.8 hip widths to image right from the
    bottom of each rep until the lifter stands again."""
    track, analysis = correct
    xy = track.image_xy.copy()
    w = _weights(track, analysis, from_bottom=True)
    hip_w = np.nanmedian(np.abs(_x(xy, "left_hip") - _x(xy, "right_hip")))
    lower = {f"{s}_{j}" for s in ("left", "right") for j in ("knee", *FOOT)}
    for name, i in INDEX.items():
        if name not in lower:
            xy[:, i, 0] += 0.8 * hip_w * w
    shifted = _analyze(track.with_history("test: hips shifted right", image_xy=xy))
    faults = [f for f in shifted.faults if f.id == "lateral_shift"]
    assert len(faults) >= 8
    assert all(f.value is not None and f.value > 0.5 for f in faults)
    assert "lateral_shift" not in _ids(analysis)


@pytest.mark.parametrize("factor", [2.2, 0.35])
def test_a_much_wider_or_narrower_stance_raises_stance_width(
    correct: tuple[PoseTrack, Analysis], factor: float
) -> None:
    """Place both feet symmetrically so the ankles are ``factor`` times as far apart as the
    shoulders, for the whole clip (the real stance is ~1.55 x)."""
    track, analysis = correct
    xy = track.image_xy.copy()
    centre = (_x(xy, "left_ankle") + _x(xy, "right_ankle")) / 2
    shoulder_w = np.abs(_x(xy, "left_shoulder") - _x(xy, "right_shoulder"))
    for side in ("left", "right"):
        ankle = xy[:, INDEX[f"{side}_ankle"], 0]
        move = centre + np.sign(ankle - centre) * factor * shoulder_w / 2 - ankle
        for joint in FOOT:
            xy[:, INDEX[f"{side}_{joint}"], 0] += move
    moved = _analyze(track.with_history(f"test: stance x{factor}", image_xy=xy))
    faults = [f for f in moved.faults if f.id == "stance_width"]
    assert len(faults) == len(moved.reps) > 0
    assert faults[0].comparison == "outside 0.6-1.8"
    assert "stance_width" not in _ids(analysis)


def test_one_hip_dropping_at_the_bottom_raises_uneven_depth(
    correct: tuple[PoseTrack, Analysis],
) -> None:
    """Lower the left hip (and its knee) by 0.3 hip widths at the bottom: ~17 deg of tilt."""
    track, analysis = correct
    xy = track.image_xy.copy()
    w = _weights(track, analysis)
    hip_w = np.nanmedian(np.abs(_x(xy, "left_hip") - _x(xy, "right_hip")))
    for name in ("left_hip", "left_knee"):
        xy[:, INDEX[name], 1] += 0.3 * hip_w * w  # image y points down: plus = lower
    tilted = _analyze(track.with_history("test: left hip dropped", image_xy=xy))
    assert sum(f.id == "uneven_depth" for f in tilted.faults) >= 8
    assert "uneven_depth" not in _ids(analysis)


def test_feet_turned_far_out_raise_feet_turn_out_as_information(
    correct: tuple[PoseTrack, Analysis],
) -> None:
    """Turn each foot 40 deg further out about its heel in the 3-D world landmarks."""
    track, analysis = correct
    assert analysis.reps[0].metrics["feet_turn_out"].value is not None
    world = track.world_xyz.copy()
    for side, out in (("left", 1.0), ("right", -1.0)):
        heel, toe = INDEX[f"{side}_heel"], INDEX[f"{side}_foot_index"]
        a = np.radians(40.0) * out
        v = world[:, toe][:, [0, 2]] - world[:, heel][:, [0, 2]]
        # Same turn direction as the metric's: from forward towards the lifter's own side.
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        world[:, toe, 0] = world[:, heel, 0] + (v @ rot.T)[:, 0]
        world[:, toe, 2] = world[:, heel, 2] + (v @ rot.T)[:, 1]
    turned = _analyze(track.with_history("test: feet turned out", world_xyz=world))
    faults = [f for f in turned.faults if f.id == "feet_turn_out"]
    assert faults and all(f.severity == "info" for f in faults)
    assert turned.reps[0].metrics["feet_turn_out"].value > 45
    assert "feet_turn_out" not in _ids(analysis)


# ---- the band comparison in the rules file -----------------------------------------------------


def test_a_band_rule_without_an_upper_bound_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "src/formcheck/data/rules.toml").read_text()
    broken = text.replace("upper = 1.8\n", "", 1)
    path = tmp_path / "rules.toml"
    path.write_text(broken)
    with pytest.raises(ConfigError, match=r"faults.stance_width.*expects upper > threshold"):
        load_rules(path)


def test_band_upper_bound_can_be_overridden_but_not_crossed() -> None:
    book = load_rules().for_style("high_bar", {"stance_width.upper": 2.5})
    assert book.faults["stance_width"].upper == 2.5
    with pytest.raises(ConfigError, match=r"expected lower < upper, got stance_width"):
        load_rules().for_style("high_bar", {"stance_width": 3.0})
    with pytest.raises(ConfigError, match=r"expected fault ids .*got \['knee_valgus.upper'\]"):
        load_rules().for_style("high_bar", {"knee_valgus.upper": 1.0})


# ---- the real pose model on the real front-view clips (CI) -------------------------------------

FRONT_CLIPS = sorted(k for k, v in clip_catalogue().items() if v["view"] == "front")


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize("name", FRONT_CLIPS)
def test_real_front_clip_reps_view_and_auto_lift(name: str, pose_cache: Path) -> None:
    shared = require_shared()
    item = clip_catalogue()[name]
    analysis = analyze_video(shared / "clips" / f"{name}.mp4", cache_dir=pose_cache)
    assert analysis.lift == item["lift"], analysis.lift_reason
    assert analysis.view.view == "front", analysis.view.reason
    assert len(analysis.reps) == item["reps"], [(r.start_s, r.end_s) for r in analysis.reps]
