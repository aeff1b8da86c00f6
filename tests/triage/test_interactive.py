"""The interactive ``formcheck triage`` session: question order, going back, transcripts.

The transcript tests drive the real command in a pseudo-terminal through pexpect, one case
per verdict, and save what the lifter saw to docs/triage-transcripts/<verdict>.txt.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys

import pexpect
import pytest

from conftest import REPO_ROOT
from formcheck.triage import default_knowledge, triage
from formcheck.triage.interactive import InvalidAnswer, Session, parse_answer, run_session

KB = default_knowledge()
TRANSCRIPTS = REPO_ROOT / "docs" / "triage-transcripts"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _region_numbers(*ids: str) -> str:
    order = list(KB.regions)
    return ",".join(str(order.index(r) + 1) for r in ids)


def _fault_numbers(*ids: str) -> str:
    order = list(KB.faults)
    return ",".join(str(order.index(f) + 1) for f in ids)


def _choice(finding: str, value: str) -> str:
    return str(KB.choices(finding).index(value) + 1)


# Answers per case: finding or red-flag id -> what the lifter types. Unlisted red flags get
# "n"; an unlisted finding fails the test (it means a question we did not expect).
CASES = {
    "emergency": {"red_flag:saddle_numbness": "y"},
    "urgent": {
        "regions": _region_numbers("neck_right"),
        "red_flag:neck_vascular_signs": "y",
    },
    "see_professional": {
        "red_flag:pain_radiates": "y",
        "regions": _region_numbers("lower_back_left"),
        "quality": _choice("quality", "sharp"),
        "onset": _choice("onset", "right_after"),
        "hours_since_onset": "30",
        "side": _choice("side", "one_side"),
        "severity.before": "0", "severity.during": "3", "severity.after": "5",
        "settled_after_hours": "no", "severity.next_morning": "5",
        "trend": _choice("trend", "same"), "eases_with_movement": "n", "one_tender_spot": "n",
        "swelling": "n", "over_bone": "n", "recurring": "n",
        "daily_activities": _choice("daily_activities", "harder"),
        "lift": _choice("lift", "deadlift"), "new_lift": "n", "load_jump": "n", "age": "34",
        "severity.now": "4", "bar_weight_before_kg": "100", "bar_weight_after_kg": "105",
        "faults_seen": "",
    },
    "rest_and_modify": {
        "regions": _region_numbers("neck_left"),
        "quality": _choice("quality", "dull"),
        "onset": _choice("onset", "right_after"),
        "hours_since_onset": "20",
        "side": _choice("side", "one_side"),
        "severity.before": "0", "severity.during": "2", "severity.after": "3",
        "settled_after_hours": "", "severity.next_morning": "3",
        "trend": _choice("trend", "better"), "eases_with_movement": "y", "one_tender_spot": "n",
        "swelling": "n", "skin_marks": "n", "recurring": "n",
        "daily_activities": _choice("daily_activities", "none"),
        "lift": _choice("lift", "back_squat"), "bar_position": _choice("bar_position", "high_bar"),
        "neck_position": _choice("neck_position", "looked_up"), "tense_whole_set": "n",
        "new_lift": "n", "load_jump": "n", "severity.now": "2", "bar_weight_before_kg": "",
        "faults_seen": "",
    },
    "keep_training": {
        "regions": _region_numbers("lower_back_left", "lower_back_right"),
        "quality": _choice("quality", "dull"),
        "onset": _choice("onset", "next_day"),
        "hours_since_onset": "1.5d",
        "side": _choice("side", "both_sides"),
        "severity.before": "0", "severity.during": "", "severity.after": "",
        "severity.next_morning": "3",
        "trend": _choice("trend", "better"), "eases_with_movement": "y", "one_tender_spot": "n",
        "swelling": "n", "over_bone": "n", "recurring": "n",
        "daily_activities": _choice("daily_activities", "none"),
        "lift": _choice("lift", "back_squat"), "bar_position": _choice("bar_position", "low_bar"),
        "new_lift": "y", "load_jump": "n", "age": "29", "hours_since_session": "40",
        "severity.now": "2", "bar_weight_before_kg": "",
        "faults_seen": _fault_numbers("heels_lift"),
    },
}
# Where each case first gives a wrong answer and types "back" to change it.
DETOURS = {"rest_and_modify": "quality", "keep_training": "side", "see_professional": "lift"}


def _normal(text: str) -> str:
    return " ".join(text.split())


PROMPTS = {
    **{f"red_flag:{f.id}": _normal(str(f.question)) for f in KB.red_flags.values() if f.question},
    **{f.id: _normal(f.prompt) for f in KB.findings.values()},
}


def _which_question(screen: str) -> str:
    flat = _normal(screen)
    found = [(flat.rfind(p), key) for key, p in PROMPTS.items() if p in flat]
    assert found, f"no known question in: {flat[-300:]}"
    return max(found)[1]


def _drive(case: str, tmp_path) -> tuple[str, dict]:
    out = tmp_path / "result.json"
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "110", "LINES": "50"}
    child = pexpect.spawn(sys.executable, ["-m", "formcheck", "triage", "--json", str(out)],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 110))
    log = io.StringIO()
    child.logfile_read = log
    answers = CASES[case]
    detour = DETOURS.get(case)
    asked: list[str] = []
    while len(asked) < 80:  # a guard: a session that never ends fails instead of hanging
        index = child.expect([r"> ", pexpect.EOF])
        if index == 1:
            break
        key = _which_question(child.before)
        asked.append(key)
        if key == detour:
            detour = None
            child.sendline("2" if answers[key] != "2" else "1")
            child.expect(r"> ")
            child.sendline("back")
            continue
        if key.startswith("red_flag:"):
            child.sendline(answers.get(key, "n"))
        else:
            assert key in answers, f"unexpected question {key!r} in case {case}"
            child.sendline(answers[key])
    child.close()
    assert child.exitstatus == 0, log.getvalue()[-2000:]
    transcript = ANSI.sub("", log.getvalue()).replace("\r\n", "\n").replace("\r", "")
    transcript = transcript.replace(str(out), "result.json")  # same file on every run
    TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
    (TRANSCRIPTS / f"{case}.txt").write_text(transcript, encoding="utf-8")
    return transcript, {"asked": asked, "result": json.loads(out.read_text())}


@pytest.mark.parametrize("case", list(CASES))
def test_interactive_transcript_reaches_the_verdict(case, tmp_path):
    transcript, run = _drive(case, tmp_path)
    assert run["result"]["verdict"] == case
    assert f"VERDICT: {case}" in transcript
    assert transcript.count("not a doctor or any other medical professional") == 1
    asked = run["asked"]
    first_finding = next(
        (i for i, key in enumerate(asked) if not key.startswith("red_flag:")), len(asked))
    general = [f"red_flag:{f.id}" for f in KB.red_flags.values() if f.question and not f.groups]
    # red flags first: every general one asked comes before the first finding, and all of
    # them are asked unless an emergency "yes" ended the questions
    assert all(key in general for key in asked[:first_finding])
    if case != "emergency":
        assert asked[:first_finding] == general
    if case in DETOURS:
        assert "Going back." in transcript
        assert asked.count(DETOURS[case]) == 2


def test_emergency_stops_at_the_first_yes(tmp_path):
    _, run = _drive("emergency", tmp_path)
    assert run["asked"] == ["red_flag:saddle_numbness"]


def _scripted(replies: dict[str, str]):
    said: list[str] = []
    session_steps: list[str] = []

    def ask(prompt: str) -> str:
        key = _which_question(prompt)
        session_steps.append(key)
        return replies.get(key, "n")

    result = run_session(KB, ask=ask, say=said.append, finish=lambda raw: triage(raw))
    return result, session_steps, said


def test_urgent_flag_stops_after_the_remaining_flags():
    result, steps, _ = _scripted({"red_flag:cancer_history": "y",
                                  "regions": _region_numbers("neck_left")})
    assert result.verdict == "urgent"
    assert steps[-1] == "red_flag:neck_cord_signs"  # the neck flags are still asked
    assert not [s for s in steps if not s.startswith("red_flag:") and s != "regions"]


def test_neck_flags_only_for_the_neck():
    _, steps, _ = _scripted({"red_flag:cancer_history": "y",
                             "regions": _region_numbers("hamstrings")})
    assert not [s for s in steps if "neck" in s]


def test_bad_answers_are_asked_again():
    replies = iter(["maybe", "y"])
    said: list[str] = []
    result = run_session(KB, ask=lambda _p: next(replies), say=said.append,
                         finish=lambda raw: raw)
    assert result["red_flags"] == {"saddle_numbness": True}
    assert any("expected y or n; received 'maybe'" in line for line in said)


def test_contradiction_is_explained_and_reasked():
    sides = iter([_choice("side", "one_side"), _choice("side", "both_sides")])
    replies = {"regions": _region_numbers("lower_back_left", "lower_back_right"),
               "quality": "1", "onset": "4", "hours_since_onset": "30"}
    said: list[str] = []
    asked: list[str] = []

    def ask(prompt: str) -> str:
        key = _which_question(prompt)
        asked.append(key)
        if key == "side":
            return next(sides)
        if key.startswith("red_flag:"):
            return "n"
        kind = KB.findings[key].kind
        return replies.get(key, {"bool": "n", "choice": "1"}.get(kind, ""))

    result = run_session(KB, ask=ask, say=said.append,
                         finish=lambda raw: triage(raw))
    assert asked.count("side") == 2
    assert any("do not fit together" in line and "side: 'one_side'" in line for line in said)
    assert result.verdict in ("keep_training", "rest_and_modify")


def test_session_forgets_the_fields_named_by_a_contradiction():
    session = Session(KB)
    for key, value in {"regions": ["lower_back_left", "lower_back_right"],
                       "side": "one_side"}.items():
        session.answers[key] = value
        session.history.append(key)
    with pytest.raises(Exception) as info:
        triage(session.raw_answers())
    assert session.forget(info.value.fields) == 1
    assert "side" not in session.answers and "regions" in session.answers


@pytest.mark.parametrize("step_id,text,expected", [
    ("hours_since_onset", "2d", 48.0),
    ("hours_since_onset", "1w", 168.0),
    ("hours_since_onset", "36", 36.0),
    ("settled_after_hours", "no", "not_settled"),
    ("severity.during", "", None),
    ("regions", "1, 3", ["neck_left", "neck_middle"]),
    ("faults_seen", "1, 5", ["forward_lean", "heels_lift"]),
])
def test_parse_answer(step_id, text, expected):
    step = next(s for s in Session(KB).steps() if s.id == step_id)
    assert parse_answer(step, text, KB) == expected


@pytest.mark.parametrize("step_id,text,message", [
    ("hours_since_onset", "-3", "expected a time in the past"),
    ("hours_since_onset", "yesterday", "expected hours"),
    ("severity.during", "11", "expected a number from 0 to 10; received 11"),
    ("regions", "99", "expected region numbers 1-19; received '99'"),
    ("quality", "7", "expected a number from 1 to 5"),
    ("faults_seen", "12", "expected fault numbers 1-11; received '12'"),
])
def test_parse_answer_rejects(step_id, text, message):
    step = next(s for s in Session(KB).steps() if s.id == step_id)
    with pytest.raises(InvalidAnswer, match=re.escape(message)):
        parse_answer(step, text, KB)
