"""Safety properties over the whole answer space: no red flag is ever under-triaged."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from vignettes import analysis_document

from formcheck.triage import TriageInputError, default_knowledge, triage
from formcheck.triage.models import level_rank
from formcheck.triage.render import render_result

KB = default_knowledge()
BACK_GROUPS = {"lower_back", "mid_back", "upper_back_muscle", "upper_back_bone", "back_general"}
# "regions" may be left out only with an urgent flag; the rest are contradictions.
CONTRADICTION_FIELDS = {
    "regions", "side", "severity.next_morning", "severity.during", "settled_after_hours",
    "hours_since_session",
}


def _maybe(strategy):
    return st.none() | strategy


@st.composite
def answer_sets(draw):
    answers = {
        "regions": draw(st.lists(st.sampled_from(list(KB.regions)), min_size=0, max_size=4,
                                 unique=True)),
        "red_flags": draw(st.dictionaries(st.sampled_from(list(KB.red_flags)), st.booleans())),
    }
    for name in ("quality", "onset", "side", "daily_activities", "trend", "lift",
                 "bar_position", "neck_position"):
        answers[name] = draw(_maybe(st.sampled_from(KB.choices(name))))
    for name in ("skin_marks", "swelling", "one_tender_spot", "over_bone", "eases_with_movement",
                 "recurring", "new_lift", "load_jump", "elbow_issues", "tense_whole_set"):
        answers[name] = draw(_maybe(st.booleans()))
    hours = draw(_maybe(st.floats(0, 3000)))
    answers["hours_since_onset"] = hours
    severity = st.floats(0, 10)
    answers["hours_since_session"] = draw(_maybe(st.floats(0, 3000)))
    answers["severity"] = {m: draw(_maybe(severity))
                           for m in ("before", "during", "after", "now", "next_morning")}
    answers["faults_seen"] = draw(st.lists(st.sampled_from(list(KB.faults)), max_size=3,
                                           unique=True))
    answers["bar_weight_before_kg"] = draw(_maybe(st.floats(20, 300)))
    answers["bar_weight_after_kg"] = draw(_maybe(st.floats(20, 300)))
    answers["settled_after_hours"] = draw(_maybe(st.floats(0, hours or 0)))
    answers["age"] = draw(_maybe(st.integers(10, 110)))
    answers["training"] = draw(_maybe(st.fixed_dictionaries({
        "week_over_week_increase_pct": _maybe(st.floats(-100, 300)),
        "hours_since_last_heavy_session": _maybe(st.floats(0, 400)),
        "pain_trend": _maybe(st.sampled_from(["better", "same", "worse"])),
    })))
    return answers


videos = st.none() | st.fixed_dictionaries({
    "lift": st.sampled_from(["squat", "deadlift"]),
    "reps": st.integers(1, 8),
    "faults": st.dictionaries(st.sampled_from(list(KB.faults)), st.integers(0, 8), max_size=4),
})


def _floor_from_domain(answers) -> int:
    """The least urgent verdict DOMAIN.md s5 allows, worked out here independently."""
    floor = -1
    for flag_id, yes in answers["red_flags"].items():
        if yes:
            floor = max(floor, level_rank(KB.red_flags[flag_id].level))
    see_pro = level_rank("see_professional")
    hours = answers["hours_since_onset"]
    groups = {KB.regions[r].group for r in answers["regions"]}
    if answers["quality"] == "sharp" and answers["onset"] == "during_lift":
        floor = max(floor, see_pro)  # a sharp pain or pop during a lift
    if hours is not None and hours / 24 > 42:
        floor = max(floor, see_pro)  # pain over 6 weeks
    # Age over 50 with new back pain - unless the lifter said no and "new" is not their answer
    # (issue 14: an inferred flag overrides an explicit "no" only on the lifter's own answers).
    said_no = answers["red_flags"].get("age_over_50_new_back_pain") is False
    own = answers["recurring"] is False
    if ((answers["age"] or 0) > 50 and groups & BACK_GROUPS and answers["recurring"] is not True
            and (own or not said_no)):
        floor = max(floor, see_pro)
    if groups & {"ribs", "shoulder"}:
        floor = max(floor, see_pro)  # rib / shoulder pain: see a professional (s2)
    return floor


def _run(answers, video=None):
    analysis = analysis_document(video) if video else None
    return triage(answers, analysis=analysis)


@settings(max_examples=400, deadline=None)
@given(answers=answer_sets(), video=videos)
def test_no_red_flag_is_under_triaged(answers, video):
    try:
        result = _run(answers, video)
    except TriageInputError as exc:
        # Only contradictions may be refused; every value drawn here is otherwise valid.
        assert set(exc.fields) <= CONTRADICTION_FIELDS, str(exc)
        return
    assert level_rank(result.verdict) >= _floor_from_domain(answers), result.reasons
    for flag in result.red_flags:
        assert level_rank(result.verdict) >= level_rank(flag.level)
    if level_rank(result.verdict) >= level_rank("urgent"):
        assert result.where_to_go
        assert result.changes == []


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets(), flag=st.sampled_from(list(KB.red_flags)))
def test_saying_yes_to_a_flag_never_lowers_the_verdict(answers, flag):
    answers["red_flags"][flag] = False
    try:
        before = _run(answers)
    except TriageInputError:
        return
    answers["red_flags"][flag] = True
    after = _run(answers)
    assert level_rank(after.verdict) >= level_rank(before.verdict)
    assert level_rank(after.verdict) >= level_rank(KB.red_flags[flag].level)


@settings(max_examples=60, deadline=None)
@given(answers=answer_sets())
def test_disclaimer_said_once_plainly(answers):
    try:
        result = _run(answers)
    except TriageInputError:
        return
    out = io.StringIO()
    render_result(result, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert text.count("not a doctor or any other medical professional") == 1


def test_urgent_verdicts_say_where_to_go():
    emergency = _run({"regions": ["lower_back_central"], "red_flags": {"saddle_numbness": True}})
    assert emergency.verdict == "emergency"
    assert "emergency services" in emergency.where_to_go.lower()
    assert any("112" in line and "911" in line for line in emergency.do_now)
    urgent = _run({"regions": ["lower_back_central"], "red_flags": {"cancer_history": True}})
    assert urgent.verdict == "urgent"
    assert "today" in urgent.where_to_go and "urgent care" in urgent.where_to_go
