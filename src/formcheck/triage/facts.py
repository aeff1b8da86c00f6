"""Facts: the flat view of the answers and evidence that rules and causes test.

A fact that is not known is ``None``; a condition on an unknown fact does not hold (except
``ne``, which holds, so "not recurring" also covers "not said"). Fact names are a closed set
so the knowledge base can be checked against it when it is loaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formcheck.triage.knowledge import Condition, KnowledgeBase

_CHOICE_FACTS = ("quality", "onset", "side", "daily_activities", "trend", "lift",
                 "bar_position", "neck_position")
_BOOL_FACTS = ("skin_marks", "swelling", "one_tender_spot", "over_bone", "eases_with_movement",
               "recurring", "new_lift", "load_jump", "elbow_issues", "tense_whole_set",
               "not_settled", "settled_quickly")
_NUMBER_FACTS = ("hours_since_onset", "days_since_onset", "hours_since_session", "age",
                 "sev_before", "sev_during", "sev_after", "sev_now", "sev_next_morning",
                 "during_rise", "morning_rise", "settle_hours", "video_reps",
                 "bar_weight_before_kg", "bar_weight_after_kg", "bar_weight_jump_pct")
_SEVERITY_MOMENTS = ("before", "during", "after", "now", "next_morning")
#: Onsets after which the session lies at least as far back as the onset.
SESSION_BEFORE_ONSET = ("during_lift", "right_after", "later_same_day", "next_day")

#: Every fixed fact name and its kind ("set", "bool", "number", "text", "choice:<finding>").
FACT_KINDS: dict[str, str] = {
    "regions": "set",
    "region_groups": "set",
    "region_on_bone": "set",
    "faults_seen": "set",
    **{name: f"choice:{name}" for name in _CHOICE_FACTS},
    **{name: "bool" for name in _BOOL_FACTS},
    **{name: "number" for name in _NUMBER_FACTS},
    "training.week_over_week_increase_pct": "number",
    "training.hours_since_last_heavy_session": "number",
    "training.pain_trend": "text",
}
_PREFIXES = {"fault_fraction.": "number", "fault_reps.": "number", "red_flag.": "bool"}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def fact_kind(name: str) -> str | None:
    """Return the kind of fact ``name``, or None when no such fact exists."""
    if name in FACT_KINDS:
        return FACT_KINDS[name]
    for prefix, kind in _PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return kind
    return None


def hours_since_onset(data: Mapping[str, Any]) -> float | None:
    """Return the hours since the pain began, from ``hours_since_onset`` or ``onset_at``."""
    if data.get("hours_since_onset") is not None:
        return float(data["hours_since_onset"])
    onset_at = data.get("onset_at")
    if onset_at is None:
        return None
    now = data.get("answered_at") or datetime.now(UTC)
    onset_at, now = _aware(onset_at), _aware(now)
    return (now - onset_at).total_seconds() / 3600.0


def _aware(moment: datetime) -> datetime:
    # Naive times are taken as UTC so that naive and aware inputs can be compared.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def compute_facts(
    data: Mapping[str, Any],
    kb: KnowledgeBase,
    video: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the facts of (possibly partial) answers, a video summary and training signals.

    Parameters
    ----------
    data
        Answers as a mapping (``Answers.model_dump()`` or the partial answers of a session).
    kb
        The knowledge base (regions and their groups).
    video
        The summary made by :func:`formcheck.triage.evidence.summarise_analysis`.
    training
        Training-log signals (``TrainingContext.model_dump()``).
    """
    facts: dict[str, Any] = {name: data.get(name) for name in (*_CHOICE_FACTS, *_BOOL_FACTS)}
    regions = [r for r in data.get("regions") or [] if r in kb.regions]
    groups = {kb.regions[r].group for r in regions}
    facts["regions"], facts["region_groups"] = set(regions), groups
    on_bone = {kb.regions[r].on_bone for r in regions}
    facts["region_on_bone"] = on_bone
    if "always" in on_bone:
        facts["over_bone"] = True  # the region itself is bone: the lifter said so by choosing it
    facts["faults_seen"] = set(data.get("faults_seen") or [])
    hours = hours_since_onset(data)
    facts["hours_since_onset"] = hours
    facts["days_since_onset"] = None if hours is None else hours / 24.0
    facts["hours_since_session"] = _hours_since_session(data, hours)
    facts["age"] = data.get("age")
    before_kg, after_kg = data.get("bar_weight_before_kg"), data.get("bar_weight_after_kg")
    facts["bar_weight_before_kg"], facts["bar_weight_after_kg"] = before_kg, after_kg
    facts["bar_weight_jump_pct"] = (
        round(100.0 * (after_kg - before_kg) / before_kg, 1)
        if before_kg and after_kg is not None else None
    )
    severity = data.get("severity") or {}
    for moment in _SEVERITY_MOMENTS:
        facts[f"sev_{moment}"] = severity.get(moment)
    baseline = severity.get("before") or 0.0  # unknown baseline -> 0: the cautious reading
    facts["during_rise"] = _minus(severity.get("during"), baseline)
    facts["morning_rise"] = _minus(severity.get("next_morning"), baseline)
    facts["settle_hours"] = _settle_hours(data, hours)
    facts["settled_quickly"] = _settled_quickly(facts, kb)
    for flag_id, value in (data.get("red_flags") or {}).items():
        facts[f"red_flag.{flag_id}"] = bool(value)
    for key in ("week_over_week_increase_pct", "hours_since_last_heavy_session", "pain_trend"):
        facts[f"training.{key}"] = (training or {}).get(key)
    facts["video_reps"] = None
    if video:
        facts["video_reps"] = video["reps"]
        for fault_id, count in video["fault_reps"].items():
            facts[f"fault_reps.{fault_id}"] = count
            facts[f"fault_fraction.{fault_id}"] = (
                None if count is None or not video["reps"] else count / video["reps"]
            )
    return facts


def _hours_since_session(data: Mapping[str, Any], hours: float | None) -> float | None:
    if data.get("hours_since_session") is not None:
        return float(data["hours_since_session"])
    if data.get("onset") in ("during_lift", "right_after"):
        return hours  # it started at the session, so the two clocks agree
    return None


def _settled_quickly(facts: Mapping[str, Any], kb: KnowledgeBase) -> bool | None:
    # Mild during the lift, back to baseline within the rule-of-twos window, and no worse the
    # next morning: normal training discomfort (issue 14). Unknown parts leave it unknown.
    during, settle, morning = facts["sev_during"], facts["settle_hours"], facts["morning_rise"]
    if during is None or settle is None or morning is None:
        return None
    return bool(
        during <= kb.param("mild_pain_max")
        and settle <= kb.param("rule_of_twos_settle_hours")
        and morning <= kb.param("rule_of_twos_morning_max_rise")
    )


def answered_facts(data: Mapping[str, Any], kb: KnowledgeBase) -> set[str]:
    """Return the names of the facts that come straight from the lifter's own answers.

    An inferred red flag may override the lifter's explicit "no" only when every fact it is
    inferred from is in this set (issue 14); training-log and video facts are not answers.
    """
    names = {n for n in (*_CHOICE_FACTS, *_BOOL_FACTS) if data.get(n) is not None}
    regions = [r for r in data.get("regions") or [] if r in kb.regions]
    if regions:
        names |= {"regions", "region_groups", "region_on_bone"}
        if any(kb.regions[r].on_bone == "always" for r in regions):
            names.add("over_bone")
    if hours_since_onset(data) is not None:
        names |= {"hours_since_onset", "days_since_onset"}
    for name in ("age", "hours_since_session", "bar_weight_before_kg", "bar_weight_after_kg"):
        if data.get(name) is not None:
            names.add(name)
    severity = data.get("severity") or {}
    names |= {f"sev_{m}" for m in _SEVERITY_MOMENTS if severity.get(m) is not None}
    names |= {f"red_flag.{f}" for f in data.get("red_flags") or {}}
    return names


def _minus(value: float | None, baseline: float) -> float | None:
    return None if value is None else float(value) - float(baseline)


def _settle_hours(data: Mapping[str, Any], hours: float | None) -> float | None:
    if data.get("settled_after_hours") is not None:
        return float(data["settled_after_hours"])
    if data.get("not_settled"):
        # Not settled yet: it has taken at least as long as it has been going on.
        return math.inf if hours is None else hours
    return None


def holds(cond: Condition, facts: Mapping[str, Any], kb: KnowledgeBase) -> bool:
    """Return whether condition ``cond`` holds for ``facts``; unknown facts do not hold."""
    actual = facts.get(cond.fact)
    expected = kb.resolve(cond.value)
    if cond.op == "ne":
        return bool(actual != expected)
    if actual is None:
        return False
    if cond.op == "eq":
        return bool(actual == expected)
    if cond.op == "in":
        return actual in expected
    if cond.op == "not_in":
        return actual not in expected
    if cond.op == "any_in":
        return bool(set(actual) & set(expected))
    if cond.op == "between":
        low, high = expected
        return bool(low <= actual <= high)
    comparisons = {
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }
    return bool(comparisons[cond.op])


def all_hold(conds: list[Condition], facts: Mapping[str, Any], kb: KnowledgeBase) -> bool:
    """Return whether every condition holds (and there is at least one)."""
    return bool(conds) and all(holds(c, facts, kb) for c in conds)


def render(text: str, facts: Mapping[str, Any], kb: KnowledgeBase) -> str:
    """Return ``text`` with ``{name}`` filled from the parameters or the facts."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = kb.param(name) if name in kb.parameters else facts.get(name)
        if isinstance(value, float):
            return f"{value:g}" if math.isfinite(value) else "unknown"
        return "unknown" if value is None else str(value)

    return _PLACEHOLDER.sub(fill, text)
