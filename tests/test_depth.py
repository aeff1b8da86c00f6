"""Depth from the hip joint centre, in words, with its uncertainty (issue 16), on real tracks.

The bundled sample (side view, both reps labelled below parallel) reads above parallel from
the raw hip landmark; measured from the estimated hip joint centre it must not.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.depth import (
    DEPTH_WORDS,
    depth_words,
    hip_joint_centres,
    view_sd_deg,
    with_uncertainty,
)
from formcheck.analysis.reps import segment_reps
from formcheck.analysis.signals import clean_track
from formcheck.analysis.squat_side import compute_series
from formcheck.analysis.view import detect_view
from formcheck.config import load_rules, load_settings
from formcheck.errors import ConfigError
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture, fault_ids, load_fixture_track


@pytest.fixture(scope="module")
def sample() -> PoseTrack:
    return load_fixture_track("side_bodyweight_squat_2reps")


def _depths(track: PoseTrack) -> list[float]:
    return [float(r.metrics["depth_thigh_deg"].value) for r in analyze_fixture(track).reps]


def test_sample_reads_at_or_below_parallel_and_is_not_shallow(sample: PoseTrack) -> None:
    analysis = analyze_fixture(sample)
    assert len(analysis.reps) == 2
    for rep in analysis.reps:
        depth = rep.metrics["depth_thigh_deg"]
        assert isinstance(depth.value, float) and depth.value > 0
        assert depth.words in ("at parallel", "below parallel")
        assert depth.uncertainty is not None and 1.0 < depth.uncertainty < 8.0
    assert "depth_shallow" not in fault_ids(analysis)


def test_raw_landmark_reads_above_parallel_and_the_correction_lowers_the_hip(
    sample: PoseTrack,
) -> None:
    settings = load_settings()
    clean = clean_track(sample, settings)
    seg = segment_reps(clean, settings)
    view = detect_view(clean, settings, seg.leg_length_px)
    raw = compute_series(clean, view, seg)
    hips = hip_joint_centres(clean, settings)
    fixed = compute_series(clean, view, seg, hips)
    for rep in seg.reps:
        sl = slice(rep.start, rep.end + 1)
        assert np.nanmax(raw["thigh_deg"][sl]) < -5  # the bias the issue reports
        assert np.nanmax(fixed["thigh_deg"][sl]) - np.nanmax(raw["thigh_deg"][sl]) > 7
    # Standing, the joint centre is below the landmark by the configured share of a thigh.
    side = view.near_side or "right"
    hip, knee = clean.xy(f"{side}_hip"), clean.xy(f"{side}_knee")
    thigh = np.nanpercentile(np.linalg.norm(knee - hip, axis=1), 90)
    drop = hip[:, 1] - hips.side(side)[:, 1]
    assert np.nanmedian(drop) / thigh == pytest.approx(0.19, abs=0.01)


def test_correction_moves_trunk_lean_by_a_few_degrees_only(sample: PoseTrack) -> None:
    settings = load_settings()
    corrected = analyze_fixture(sample)
    raw = analyze_fixture(sample, settings=settings.with_overrides({"hip_joint.offset": 0.0}))
    for a, b in zip(corrected.reps, raw.reps, strict=True):
        lean_a = a.metrics["trunk_lean_max_deg"].value
        lean_b = b.metrics["trunk_lean_max_deg"].value
        assert isinstance(lean_a, float) and isinstance(lean_b, float)
        assert -5.0 < lean_a - lean_b <= 0.0  # the pelvis tilts forward: lean reads less


def test_zero_offset_brings_back_the_raw_numbers_and_the_shallow_fault(sample: PoseTrack) -> None:
    settings = load_settings().with_overrides({"hip_joint.offset": 0.0})
    analysis = analyze_fixture(sample, settings=settings)
    assert all(r.metrics["depth_thigh_deg"].words == "above parallel" for r in analysis.reps)
    assert "depth_shallow" in fault_ids(analysis)


def _hips_raised(sample: PoseTrack, thighs: float) -> PoseTrack:
    """Return the sample with the lifter stopping ``thighs`` thigh lengths higher in each rep."""
    xy = sample.image_xy.copy()
    settings = load_settings()
    reps = segment_reps(clean_track(sample, settings), settings).reps
    thigh = np.nanmedian(np.linalg.norm(xy[:, INDEX["right_hip"]] - xy[:, INDEX["right_knee"]],
                                        axis=1))
    moved = [n for n in INDEX if not any(k in n for k in ("knee", "ankle", "heel", "foot"))]
    for r in reps:
        span = np.arange(r.start, r.end + 1)
        up = np.interp(span, [r.start, r.bottom, r.end], [0, thighs * thigh, 0])
        for name in moved:
            xy[span, INDEX[name], 1] -= up
    return sample.with_history(f"test: hips {thighs} thigh lengths higher", image_xy=xy)


def test_raising_the_hips_reads_above_parallel(sample: PoseTrack) -> None:
    """The lifter stops a third of a thigh higher: hips and upper body ride up in each rep."""
    after = analyze_fixture(_hips_raised(sample, 0.33))
    assert [r.metrics["depth_thigh_deg"].words for r in after.reps] == ["above parallel"] * 2
    assert "depth_shallow" in fault_ids(after)


def test_a_rep_that_reads_at_parallel_is_not_called_shallow(sample: PoseTrack) -> None:
    """Words and fault agree: only "above parallel" is flagged, never "at parallel"."""
    band = load_settings().get("depth.parallel_band_deg")
    assert load_rules().faults["depth_shallow"].threshold == -band
    after = analyze_fixture(_hips_raised(sample, 0.06))
    depths = [r.metrics["depth_thigh_deg"] for r in after.reps]
    # One rep ends just short of 0 deg (the old threshold flagged it) and reads at parallel.
    assert any(d.words == "at parallel" and isinstance(d.value, float) and -band <= d.value < 0
               for d in depths)
    flagged = {f.rep_index for f in after.faults if f.id == "depth_shallow"}
    assert not flagged & {r.index for r, d in zip(after.reps, depths, strict=True)
                          if d.words == "at parallel"}


def test_a_half_hidden_knee_widens_the_uncertainty(sample: PoseTrack) -> None:
    before = analyze_fixture(sample)
    vis = sample.visibility.copy()
    vis[:, INDEX["right_knee"]] = np.minimum(vis[:, INDEX["right_knee"]], 0.55)
    after = analyze_fixture(sample.with_history("test: knee half hidden", visibility=vis))
    for a, b in zip(before.reps, after.reps, strict=True):
        sd_a = a.metrics["depth_thigh_deg"].uncertainty
        sd_b = b.metrics["depth_thigh_deg"].uncertainty
        assert sd_a is not None and sd_b is not None and sd_b > sd_a + 0.5
        assert b.metrics["knee_min_deg"].uncertainty > a.metrics["knee_min_deg"].uncertainty


def test_an_oblique_view_is_less_certain_than_a_side_view(sample: PoseTrack) -> None:
    side = analyze_fixture(sample)
    oblique = analyze_fixture(load_fixture_track("side_bodyweight_squat_8reps"))
    assert oblique.view.view == "oblique"
    worst_side = max(r.metrics["depth_thigh_deg"].uncertainty for r in side.reps)
    best_oblique = min(r.metrics["depth_thigh_deg"].uncertainty for r in oblique.reps)
    assert best_oblique > worst_side
    assert view_sd_deg(100.0, 100.0, load_settings()) == 0.0
    assert view_sd_deg(50.0, 100.0, load_settings()) == pytest.approx(5.0 * np.sqrt(0.75))


def test_every_squat_angle_states_its_uncertainty_in_the_json(sample: PoseTrack) -> None:
    rep = analyze_fixture(sample).to_dict()["reps"][0]["metrics"]
    for key in ("depth_thigh_deg", "knee_min_deg", "hip_min_deg", "trunk_lean_max_deg",
                "trunk_minus_shin_deg", "early_ascent_lean_change_deg"):
        assert rep[key]["unit"] == "deg" and rep[key]["uncertainty"] > 0, key
    assert rep["depth_thigh_deg"]["words"] in DEPTH_WORDS
    assert rep["heel_lift"]["uncertainty"] is None  # not an angle


def test_deadlift_angles_are_left_on_the_raw_landmarks() -> None:
    pull = analyze_fixture(load_fixture_track("side_deadlift_2reps"))
    assert pull.lift == "deadlift"
    assert all(m.uncertainty is None for r in pull.reps for m in r.metrics.values())


@pytest.mark.parametrize(
    ("angle", "words"),
    [(-2.1, "above parallel"), (-2.0, "at parallel"), (0.0, "at parallel"),
     (2.0, "at parallel"), (2.1, "below parallel"), (None, "")],
)
def test_depth_words_at_the_band_edges(angle: float | None, words: str) -> None:
    assert depth_words(angle, 2.0) == words


def test_a_negative_band_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"parallel_band_deg: expected a number >= 0, got -1"):
        depth_words(1.0, -1.0)


def test_angle_text_reads_value_uncertainty_and_words() -> None:
    assert with_uncertainty(-2.2, 3.6, "at parallel") == "-2 deg ± 4 deg: at parallel"
    assert with_uncertainty(38.0, 2.4) == "38 deg ± 2 deg"
    assert with_uncertainty(None, None) == "-"


def test_a_front_view_gives_no_depth_words() -> None:
    front = analyze_fixture(load_fixture_track("front_bodyweight_squat_10reps_correct"))
    assert front.view.view == "front"
    depth = [r.metrics["depth_thigh_deg"] for r in front.reps]
    assert all(m.words == "" and m.uncertainty is not None for m in depth)


def test_bottom_still_draws_the_thigh_line_and_the_knee_level(sample: PoseTrack) -> None:
    from formcheck.report.overlay import ANGLE, BAR, draw_depth_guide, plan_overlay

    analysis = analyze_fixture(sample)
    plan = plan_overlay(analysis, sample)
    rep = analysis.reps[0]
    img = draw_depth_guide(np.zeros((sample.height, sample.width, 3), np.uint8), plan,
                           rep.bottom_frame)
    hx = round(float(analysis.series["hip_joint_x"][rep.bottom_frame]))
    hy = round(float(analysis.series["hip_joint_y"][rep.bottom_frame]))
    assert tuple(img[hy, hx]) == ANGLE  # the thigh line starts at the hip joint
    knee_y = round(float(sample.image_xy[rep.bottom_frame, INDEX["right_knee"], 1]))
    row = img[knee_y]
    assert (row == BAR).all(axis=1).sum() > 50  # dashed horizontal through the knee
    # The joint centre the line starts from is below the hip landmark.
    assert hy > sample.image_xy[rep.bottom_frame, INDEX["right_hip"], 1] + 10


def test_report_and_cli_state_value_uncertainty_and_words(sample: PoseTrack) -> None:
    from formcheck.cli.analyze import _cell
    from formcheck.report.page import depth_caption, format_metric

    rep = analyze_fixture(sample).reps[1]
    depth = rep.metrics["depth_thigh_deg"]
    assert (depth.value, depth.uncertainty, depth.words) == (3.7, 3.6, "below parallel")
    assert depth_caption(rep) == ": depth +4° ± 4°: below parallel"
    assert format_metric(depth) == "4° ± 4°: below parallel"
    assert _cell(depth, "{:+.0f}") == "+4±4 below parallel"
    assert _cell(rep.metrics["heel_lift"], "{:.2f}").count("±") == 0
