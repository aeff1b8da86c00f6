"""Every fault carries a confidence from its footage; below the floor it is "not judged: why".

The cases are real BlazePose tracks changed in a way described in words: the knees made
half-guessed (visibility just above the cleaning gate), the clip thinned to a low frame rate,
the lifter shrunk in frame, the camera turned. The unchanged track keeps its faults with a
high confidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.analysis.confidence import Footage, fault_confidence, rule_landmarks
from formcheck.analysis.signals import clean_track
from formcheck.analysis.view import near_side
from formcheck.config import load_rules, load_settings
from formcheck.result import Analysis
from formcheck.track import INDEX, PoseTrack

from .conftest import analyze_fixture, load_fixture_track

SQUAT = "side_bodyweight_squat_2reps"
# Both reps of this side-on squat reach parallel; a limit of 60 deg below parallel makes
# depth_shallow hold on every rep, so the test sees what happens to a fault that holds.
DEEP_LIMIT = {"depth_shallow": 60.0}


def _analyze(track: PoseTrack, **kw: object) -> Analysis:
    return analyze_fixture(track, lift="squat", split_by_view=False, thresholds=DEEP_LIMIT, **kw)


def _depth(analysis: Analysis) -> tuple[list, list]:
    found = [f for f in analysis.faults if f.id == "depth_shallow"]
    unjudged = [n for n in analysis.not_judged if n.id == "depth_shallow"]
    return found, unjudged


def _knees_half_seen(track: PoseTrack, visibility: float = 0.55) -> PoseTrack:
    """Return the track with both knees' visibility set just above the cleaning gate (0.5)."""
    vis = track.visibility.copy()
    for name in ("left_knee", "right_knee"):
        vis[track.present, INDEX[name]] = visibility
    return track.with_history(f"test: knees visibility {visibility}", visibility=vis)


def test_clean_real_track_keeps_its_faults_with_high_confidence() -> None:
    found, unjudged = _depth(_analyze(load_fixture_track(SQUAT)))
    assert len(found) == 2 and unjudged == []
    assert min(f.confidence for f in found) >= 0.8


def test_half_seen_knees_make_the_depth_fault_not_judged_with_the_reason() -> None:
    analysis = _analyze(_knees_half_seen(load_fixture_track(SQUAT)))
    found, unjudged = _depth(analysis)
    assert found == []
    assert len(unjudged) == 2 and all(n.would_flag for n in unjudged)
    assert all(n.confidence < 0.5 for n in unjudged)
    assert any(re.search(r"_knee visibility 0\.55", r) for r in unjudged[0].reasons)
    note = next(w for w in analysis.warnings if w.startswith("not judged: depth_shallow"))
    assert "would have flagged 2" in note
    # The hip->knee pair is what depth reads; checks on other landmarks stay judged.
    assert all(n.id in {"depth_shallow", "knees_past_toes", "hips_rise_first", "knee_valgus"}
               or "knee" not in " ".join(n.reasons) for n in analysis.not_judged)


def test_the_floor_is_a_setting() -> None:
    half_seen = _knees_half_seen(load_fixture_track(SQUAT))
    found, unjudged = _depth(_analyze(half_seen, overrides={"faults.min_confidence": 0}))
    assert len(found) == 2 and unjudged == []
    assert all(f.confidence < 0.5 and f.confidence_reasons for f in found)


def test_low_frame_rate_lowers_confidence_and_says_so() -> None:
    track = load_fixture_track(SQUAT)
    keep = np.arange(0, track.n_frames, 5)  # 30 fps -> 6 fps
    thin = track.with_history(
        "test: every 5th frame",
        image_xy=track.image_xy[keep], world_xyz=track.world_xyz[keep],
        visibility=track.visibility[keep], present=track.present[keep],
        times_s=track.times_s[keep], fps=track.fps / 5,
        back_profile=None if track.back_profile is None else track.back_profile[keep],
    )
    analysis = _analyze(thin)
    items = [*analysis.faults, *analysis.not_judged]
    assert items
    reasons = [r for f in analysis.faults for r in f.confidence_reasons]
    reasons += [r for n in analysis.not_judged for r in n.reasons]
    assert any(re.search(r"filmed at 6 fps", r) for r in reasons)
    assert all(f.confidence <= 0.4 for f in analysis.faults) or not analysis.faults


def test_a_small_lifter_lowers_confidence() -> None:
    track = load_fixture_track(SQUAT)
    base = fault_confidence(*_depth_case(track))
    xy = track.image_xy * 0.25  # the same lifter filmed from four times as far
    small = track.with_history("test: lifter at 1/4 size", image_xy=xy)
    conf, reasons = fault_confidence(*_depth_case(small))
    assert base[0] >= 0.8 and conf < base[0] * 0.75
    assert any("px tall" in r for r in reasons)


def test_a_camera_turned_off_side_lowers_a_side_check() -> None:
    track = load_fixture_track(SQUAT)
    rule, rep, footage = _depth_case(track)
    turned = replace(footage, view=replace(footage.view, yaw_deg=45.0))
    conf, reasons = fault_confidence(rule, rep, turned)
    assert conf < fault_confidence(rule, rep, footage)[0] * 0.6
    assert any("45 deg off" in r for r in reasons)


def _depth_case(track: PoseTrack) -> tuple:
    """Return depth_shallow's rule, the first rep and the footage of a real squat track."""
    analysis = _analyze(track)
    settings = load_settings()
    clean = clean_track(track, settings)
    rule = load_rules().faults["depth_shallow"]
    footage = Footage(clean, analysis.view, near_side(analysis.view, clean), settings)
    return rule, analysis.reps[0], footage


def test_rule_landmarks_come_from_highlight() -> None:
    rules = load_rules().faults
    assert rule_landmarks(rules["depth_shallow"], "left") == ["left_hip", "left_knee"]
    assert rule_landmarks(rules["lateral_shift"], "right") == ["left_hip", "right_hip"]


def test_faults_and_confidence_modules_name_no_metric_or_fault() -> None:
    rules = load_rules().faults
    names = set(rules) | {r.metric for r in rules.values()}
    src = Path(__file__).resolve().parents[1] / "src" / "formcheck" / "analysis"
    for module in ("faults.py", "confidence.py"):
        text = (src / module).read_text("utf-8")
        assert [n for n in names if re.search(rf"\b{n}\b", text)] == [], module


def test_json_carries_confidence_and_not_judged_per_rep() -> None:
    analysis = _analyze(_knees_half_seen(load_fixture_track(SQUAT)))
    data = json.loads(json.dumps(analysis.to_dict()))
    rep = data["reps"][0]
    item = next(n for n in rep["not_judged"] if n["id"] == "depth_shallow")
    assert set(item) == {"id", "title", "rep_index", "confidence", "reasons", "value",
                         "would_flag"}
    clean = json.loads(json.dumps(_analyze(load_fixture_track(SQUAT)).to_dict()))
    fault = clean["reps"][0]["faults"][0]
    assert 0 <= fault["confidence"] <= 1 and isinstance(fault["confidence_reasons"], list)


def test_a_missing_measurement_is_not_judged_with_the_metric_s_own_reason() -> None:
    # Side on to this barbell squat BlazePose does not place the hands at the shoulders, so
    # the bar-path metric is unmeasured and says why; the rule is listed, not silently dropped.
    analysis = _analyze(load_fixture_track("side_barbell_squat_3reps"))
    bar = [n for n in analysis.not_judged if n.id == "bar_path_drift"]
    assert [n.rep_index for n in bar] == [1, 2, 3]
    assert all(n.confidence == 0 and n.value is None and not n.would_flag for n in bar)
    assert bar[0].reasons == ["hands are not at the shoulders (no bar?)"]
