"""Checking the answers at the boundary: types, allowed values, time, and contradictions.

Every problem found is reported at once, each naming its field, in one
:class:`TriageInputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from formcheck.errors import quoted
from formcheck.triage.errors import TriageInputError
from formcheck.triage.facts import SESSION_BEFORE_ONSET, hours_since_onset
from formcheck.triage.knowledge import KnowledgeBase
from formcheck.triage.models import ANSWERS_SCHEMA, ANSWERS_SCHEMAS_READ, Answers

V1_SCHEMA = ANSWERS_SCHEMAS_READ[0]

_CHOICE_FIELDS = ("quality", "onset", "side", "daily_activities", "trend", "lift",
                  "bar_position", "neck_position")


def parse_answers(raw: Answers | Mapping[str, Any], kb: KnowledgeBase) -> Answers:
    """Return validated answers from a mapping (a parsed JSON/YAML file) or an Answers.

    Raises
    ------
    TriageInputError
        Listing every problem: wrong types, values outside their range, unknown regions,
        red flags or choices, an onset in the future, and answers that contradict each other.
    """
    if isinstance(raw, Answers):
        answers = raw
    else:
        if not isinstance(raw, Mapping):
            raise TriageInputError(
                [("answers", f"expected a mapping of answers; received {type(raw).__name__}")]
            )
        try:
            answers = Answers.model_validate(upgrade_answers(raw))
        except ValidationError as exc:
            raise TriageInputError([_pydantic_problem(err) for err in exc.errors()]) from exc
    problems = _check_values(answers, kb)
    if not problems:
        problems = _check_contradictions(answers, kb)
    if problems:
        raise TriageInputError(problems)
    return answers


def upgrade_answers(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return answers in the current schema; a ``formcheck.triage-answers/1`` file is upgraded.

    Version 1 asked about a "pop" and a sudden sharp pain in one question
    (``red_flags.pop_during_lift``); version 2 asks them apart, so the old answer is copied to
    both (a "no" denied both; a "yes" keeps the same level). Everything else is unchanged.

    Raises
    ------
    TriageInputError
        When ``schema`` names a schema that cannot be read.
    """
    data = dict(raw)
    schema = data.get("schema", ANSWERS_SCHEMA)
    if schema not in ANSWERS_SCHEMAS_READ:
        raise TriageInputError(
            [("schema", f"expected one of {list(ANSWERS_SCHEMAS_READ)}; received {quoted(schema)}")]
        )
    if schema == V1_SCHEMA:
        flags = dict(data.get("red_flags") or {})
        if "pop_during_lift" in flags and "sharp_pain_during_lift" not in flags:
            flags["sharp_pain_during_lift"] = flags["pop_during_lift"]
        data["red_flags"] = flags
        data["schema"] = ANSWERS_SCHEMA
    return data


def _pydantic_problem(err: Mapping[str, Any]) -> tuple[str, str]:
    field = ".".join(str(p) for p in err["loc"]) or "answers"
    if field == "schema_":
        field = "schema"
    if err["type"] == "missing":
        return field, "is required"
    return field, f"{err['msg'].lower()}; received {quoted(err.get('input'))}"


def _check_values(answers: Answers, kb: KnowledgeBase) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    urgent_yes = [
        f for f, yes in answers.red_flags.items()
        if yes and f in kb.red_flags and kb.red_flags[f].level in ("emergency", "urgent")
    ]
    # With an emergency or urgent flag the advice does not depend on where it hurts, so the
    # session may stop before asking; otherwise the region is needed for everything else.
    if not answers.regions and not urgent_yes:
        problems.append(("regions", "is required: give at least one region"))
    for i, region in enumerate(answers.regions):
        if region not in kb.regions:
            problems.append(
                (
                    f"regions[{i}]",
                    f"expected one of {sorted(kb.regions)}; received {quoted(region)}",
                )
            )
    if len(set(answers.regions)) != len(answers.regions):
        twice = quoted(answers.regions)
        problems.append(("regions", f"expected each region once; received {twice}"))
    for name in _CHOICE_FIELDS:
        value = getattr(answers, name)
        allowed = kb.choices(name)
        if value is not None and value not in allowed:
            problems.append((name, f"expected one of {allowed}; received {quoted(value)}"))
    unknown = sorted(set(answers.red_flags) - set(kb.red_flags))
    if unknown:
        problems.append(
            (
                "red_flags",
                f"unknown red-flag id(s) {quoted(unknown)}; known: {sorted(kb.red_flags)}",
            )
        )
    for i, fault in enumerate(answers.faults_seen):
        if fault not in kb.faults:
            problems.append(
                (
                    f"faults_seen[{i}]",
                    f"expected one of {sorted(kb.faults)}; received {quoted(fault)}",
                )
            )
    problems += _check_time(answers)
    return problems


def _check_time(answers: Answers) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if answers.hours_since_onset is not None and answers.onset_at is not None:
        problems.append(
            ("onset_at", "give either hours_since_onset or onset_at, not both")
        )
    hours = hours_since_onset(answers.model_dump())
    if hours is not None and hours < 0:
        field = "hours_since_onset" if answers.hours_since_onset is not None else "onset_at"
        problems.append(
            (field, f"expected a time in the past (0 or more hours ago); received {-hours:g} h "
                    "in the future")
        )
    return problems


def _check_contradictions(answers: Answers, kb: KnowledgeBase) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    sides = {kb.regions[r].side for r in answers.regions}
    if answers.side == "one_side" and {"left", "right"} <= sides:
        problems.append(
            ("side", f"'one_side' contradicts regions on both the left and the right "
                     f"({answers.regions})")
        )
    if answers.side == "both_sides" and len(sides) == 1 and sides != {"midline"}:
        problems.append(
            ("side", f"'both_sides' contradicts regions that are all on the {sides.pop()} "
                     f"({answers.regions})")
        )
    hours = hours_since_onset(answers.model_dump())
    night = kb.param("next_morning_min_hours")
    if answers.severity.next_morning is not None and hours is not None and hours < night:
        problems.append(
            ("severity.next_morning",
             f"a next-morning score needs at least {night:g} h since the onset; the pain "
             f"started {hours:g} h ago (onset '{answers.onset}')")
        )
    if answers.onset == "during_lift" and answers.severity.during is not None:
        before = answers.severity.before or 0.0
        if answers.severity.during <= before and answers.severity.during == 0:
            problems.append(
                ("severity.during", "onset 'during_lift' contradicts a pain of 0 during the lift")
            )
    session = answers.hours_since_session
    if (session is not None and hours is not None and answers.onset in SESSION_BEFORE_ONSET
            and session < hours):
        problems.append(
            ("hours_since_session",
             f"onset '{answers.onset}' means the session was at least as long ago as the onset "
             f"({hours:g} h); received {session:g} h")
        )
    if answers.settled_after_hours is not None:
        if answers.not_settled:
            problems.append(("not_settled", "contradicts settled_after_hours; give one"))
        if hours is not None and answers.settled_after_hours > hours:
            problems.append(
                ("settled_after_hours",
                 f"cannot be more than the hours since the onset ({hours:g} h); received "
                 f"{answers.settled_after_hours:g}")
            )
    return problems


def answers_schema(kb: KnowledgeBase) -> dict[str, Any]:
    """Return the JSON Schema of an answers file, with the allowed values from the data files."""
    schema = Answers.model_json_schema(by_alias=True)
    props = schema["properties"]
    props["regions"]["items"] = {"type": "string", "enum": list(kb.regions)}
    for name in _CHOICE_FIELDS:
        props[name] = {
            "anyOf": [{"type": "string", "enum": kb.choices(name)}, {"type": "null"}],
            "default": None,
            "description": kb.findings[name].prompt,
        }
    props["red_flags"]["properties"] = {
        flag.id: {"type": "boolean", "description": f"[{flag.level}] {flag.question or flag.text}"}
        for flag in kb.red_flags.values()
    }
    props["red_flags"]["additionalProperties"] = False
    props["faults_seen"]["items"] = {"type": "string", "enum": list(kb.faults)}
    props["schema"]["enum"] = list(ANSWERS_SCHEMAS_READ)
    schema["$id"] = "https://formcheck.invalid/schemas/triage-answers-2.json"
    schema["title"] = f"formcheck triage answers ({ANSWERS_SCHEMA})"
    return schema
