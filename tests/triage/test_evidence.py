"""The lifter's own evidence - video faults and training signals - shows up as reasons."""

from __future__ import annotations

import numpy as np
from vignettes import analysis_document

from formcheck.result import Analysis, Fault, Rep, VideoInfo, ViewResult
from formcheck.triage import TrainingContext, triage
from formcheck.triage.evidence import summarise_analysis

LOWER_BACK_DURING = {"regions": ["lower_back_central"], "quality": "dull",
                     "onset": "during_lift", "hours_since_onset": 3, "side": "middle",
                     "lift": "back_squat"}


def _fault(fault_id: str, rep: int) -> Fault:
    return Fault(id=fault_id, title=fault_id, rep_index=rep, severity="fault", value=55.0,
                 threshold=45.0, unit="deg", comparison="> 45 deg", evidence="trunk 55 deg",
                 soreness=["lower_back"], cue="chest up", frame_range=(0, 10), worst_frame=5)


def _analysis(lean_reps: int, reps: int = 5) -> Analysis:
    video = VideoInfo(path="clip.mp4", sha256="0" * 64, fps=30.0, frames=300, duration_s=10.0,
                      width=720, height=1280, rotation=0, codec="h264")
    view = ViewResult(view="side", facing="left", near_side="left", confidence=0.9, reason="")
    rep_list = [
        Rep(index=i, start_frame=0, bottom_frame=5, end_frame=10, start_s=0, bottom_s=0.2,
            end_s=0.4, partial=False, faults=[_fault("forward_lean", i)] if i <= lean_reps else [])
        for i in range(1, reps + 1)
    ]
    return Analysis(video=video, lift="squat", style="high_bar", view=view, reps=rep_list,
                    warnings=[], summary=[], series={"trunk": np.zeros(3)})


def test_forward_lean_in_4_of_5_reps_supports_the_form_cause():
    result = triage(LOWER_BACK_DURING, analysis=_analysis(4))
    assert result.top_cause == "form_forward_lean"
    lean = result.causes[0]
    assert "forward lean in 4 of 5 reps of your latest video" in lean.supports
    assert any("forward lean in 4 of 5" in line for line in result.evidence)


def test_no_forward_lean_in_the_video_argues_against_it():
    result = triage(LOWER_BACK_DURING, analysis=_analysis(0))
    lean = next(c for c in result.causes if c.id == "form_forward_lean")
    assert "no forward lean in any of the 5 reps of your latest video" in lean.against
    without_video = triage(LOWER_BACK_DURING)
    lean_alone = next(c for c in without_video.causes if c.id == "form_forward_lean")
    assert lean.score < lean_alone.score
    assert lean_alone.against == []


def test_a_fault_the_view_cannot_show_is_unknown_not_absent(kb):
    doc = analysis_document({"lift": "squat", "reps": 4, "faults": {"forward_lean": 2}})
    summary = summarise_analysis(doc, kb)  # a side view
    assert summary["fault_reps"]["forward_lean"] == 2
    assert summary["fault_reps"]["hips_rise_first"] == 0
    assert summary["fault_reps"]["knee_valgus"] is None  # front-view fault
    assert summary["fault_reps"]["dl_bar_away"] is None  # deadlift fault on a squat clip


def test_training_signals_are_reasons_and_can_raise_the_verdict():
    doms = {"regions": ["lower_back_left", "lower_back_right"], "quality": "dull",
            "onset": "next_day", "hours_since_onset": 30, "side": "both_sides",
            "eases_with_movement": True}
    assert triage(doms).verdict == "keep_training"
    signals = TrainingContext(week_over_week_increase_pct=30, hours_since_last_heavy_session=20,
                              pain_trend="worse", source="log")
    result = triage(doms, training=signals)
    assert result.verdict == "rest_and_modify"
    assert any("pain has been rising across recent sessions" in r for r in result.reasons)
    assert any("weekly load rose 30%" in r for r in result.reasons)
    assert any(line.startswith("Training signals (log)") for line in result.evidence)
    assert "recover_between_heavy" in [c.id for c in result.changes]


def test_training_in_the_answers_file_is_used_and_the_argument_wins():
    answers = {**LOWER_BACK_DURING, "training": {"week_over_week_increase_pct": 40}}
    from_file = triage(answers)
    assert any("40%" in s for c in from_file.causes for s in c.supports)
    overridden = triage(answers, training={"week_over_week_increase_pct": 0})
    assert not any("40%" in s for c in overridden.causes for s in c.supports)
