"""Issue 14 (triage round 2): answers schema versions, inferred flags, on-bone, seen faults."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from vignettes import analysis_document

from formcheck.triage import TriageInputError, triage
from formcheck.triage.interactive import Session
from formcheck.triage.models import ANSWERS_SCHEMA, Answers
from formcheck.triage.render import render_result
from formcheck.triage.validation import answers_schema, parse_answers

TRAPS = {"regions": ["upper_back_traps"], "quality": "dull", "onset": "later_same_day",
         "hours_since_onset": 30, "side": "both_sides", "eases_with_movement": True}
LOWER_BACK = {"regions": ["lower_back_central"], "quality": "dull", "onset": "during_lift",
              "hours_since_onset": 3, "side": "middle", "lift": "back_squat"}


def test_version_1_answers_load_and_version_2_is_written(kb):
    old = {"schema": "formcheck.triage-answers/1", **TRAPS,
           "red_flags": {"pop_during_lift": True}}
    parsed = parse_answers(old, kb)
    # v1 asked "pop or sudden sharp pain" as one question: the answer goes to both flags.
    assert parsed.red_flags == {"pop_during_lift": True, "sharp_pain_during_lift": True}
    assert parsed.schema_ == ANSWERS_SCHEMA == "formcheck.triage-answers/2"
    assert triage(old).verdict == "see_professional"
    no = parse_answers({**old, "red_flags": {"pop_during_lift": False}}, kb)
    assert no.red_flags == {"pop_during_lift": False, "sharp_pain_during_lift": False}
    assert Answers(regions=["hamstrings"]).model_dump(by_alias=True)["schema"] == ANSWERS_SCHEMA
    assert answers_schema(kb)["title"].endswith("(formcheck.triage-answers/2)")


def test_unknown_answers_schema_is_refused(kb):
    with pytest.raises(TriageInputError, match=r"schema: expected one of .*answers/1.*; "
                                               r"received 'formcheck.triage-answers/9'"):
        parse_answers({**TRAPS, "schema": "formcheck.triage-answers/9"}, kb)


def test_inferred_flag_on_own_answers_overrides_no_and_says_so():
    answers = {**LOWER_BACK, "quality": "sharp", "red_flags": {"sharp_pain_during_lift": False}}
    result = triage(answers)
    flag = next(f for f in result.red_flags if f.id == "sharp_pain_during_lift")
    assert (flag.how, flag.overrode) == ("inferred", False)
    assert flag.because == "you said the pain is sharp and started during a lift"
    assert result.verdict == "see_professional"
    out = io.StringIO()
    render_result(result, Console(file=out, width=200, color_system=None))
    assert "inferred: you said the pain is sharp" in out.getvalue()
    assert "you answered no; this overrides it" in out.getvalue()


def test_inferred_flag_never_overrides_no_on_unanswered_evidence():
    base = {**LOWER_BACK, "onset": "next_day", "hours_since_onset": 30, "age": 56}
    said_no = triage({**base, "red_flags": {"age_over_50_new_back_pain": False}})
    assert "age_over_50_new_back_pain" not in [f.id for f in said_no.red_flags]
    # Not said: inferred, as before; said "not recurring": the lifter's own answers override.
    assert "age_over_50_new_back_pain" in [f.id for f in triage(base).red_flags]
    own = triage({**base, "recurring": False, "red_flags": {"age_over_50_new_back_pain": False}})
    flag = next(f for f in own.red_flags if f.id == "age_over_50_new_back_pain")
    assert flag.overrode is False and own.verdict == "see_professional"


def test_pop_is_asked_apart_and_never_inferred():
    result = triage({**LOWER_BACK, "quality": "sharp"})
    assert [f.id for f in result.red_flags] == ["sharp_pain_during_lift"]
    pop = triage({**LOWER_BACK, "red_flags": {"pop_during_lift": True,
                                              "sharp_pain_during_lift": False}})
    assert [f.id for f in pop.red_flags] == ["pop_during_lift"]


def test_shoulder_blade_over_bone_is_asked_and_respected(kb):
    blade = {"regions": ["scapula_left", "scapula_right"], "quality": "dull", "side": "both_sides",
             "onset": "next_day", "hours_since_onset": 40}
    assert "injury_over_bone" not in [h.id for h in triage({**blade, "over_bone": False}).rules]
    assert "injury_over_bone" in [h.id for h in triage({**blade, "over_bone": True}).rules]
    # C7 is bone whatever is answered; the shoulder blade is asked.
    assert "injury_over_bone" in [h.id for h in triage(
        {**blade, "regions": ["upper_back_c7"], "side": "middle", "over_bone": False}).rules]
    session = Session(kb)
    session.answers["regions"] = ["scapula_left"]
    asked = [s.id for s in session.steps() if s.finding and session._applies(s)]
    assert "over_bone" in asked
    session.answers["regions"] = ["hamstrings"]
    assert "over_bone" not in [s.id for s in session.steps() if s.finding and session._applies(s)]


def _lean_score(**extra):
    result = triage({**LOWER_BACK, **extra.pop("answers", {})}, **extra)
    return next(c.score for c in result.causes if c.id == "form_forward_lean")


def test_a_seen_fault_weighs_less_than_a_measured_one():
    video = analysis_document({"lift": "squat", "reps": 5, "faults": {"forward_lean": 4}})
    none = _lean_score()
    seen = _lean_score(answers={"faults_seen": ["forward_lean"]})
    measured = _lean_score(analysis=video)
    assert none < seen < measured
    result = triage({**LOWER_BACK, "faults_seen": ["forward_lean"]})
    lean = next(c for c in result.causes if c.id == "form_forward_lean")
    assert any("you saw forward lean (seen, not measured" in r for r in lean.supports)
    with pytest.raises(TriageInputError, match=r"faults_seen\[0\]: expected one of"):
        triage({**LOWER_BACK, "faults_seen": ["chicken_wing"]})


def test_time_since_session_is_apart_from_onset():
    later = {**TRAPS, "onset": "next_day", "hours_since_onset": 10, "lift": "back_squat"}
    doms_peak = "after the session it is in the DOMS peak"
    in_peak = triage({**later, "hours_since_session": 34})
    doms = next(c for c in in_peak.causes if c.id == "doms")
    assert any(doms_peak in r for r in doms.supports)
    unknown = next(c for c in triage(later).causes if c.id == "doms")
    assert not any(doms_peak in r for r in unknown.supports)
    with pytest.raises(TriageInputError, match=r"hours_since_session: onset 'next_day' means"):
        triage({**later, "hours_since_session": 5})


def test_side_unknown_and_pain_now():
    result = triage({**TRAPS, "side": "dont_know", "severity": {"now": 7}})
    assert "band_now_high" in [h.id for h in result.rules]
    assert result.verdict == "rest_and_modify"
    assert triage({**TRAPS, "side": "dont_know"}).verdict == "keep_training"
