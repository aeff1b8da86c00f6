"""Form faults per rep, from the rules data file, with evidence, soreness and cue.

Nothing here knows a metric or a fault by name: how a rule is judged (``comparison``,
``judge_by``, ``frames``) and what it highlights (``highlight``) are fields of its entry in
``data/rules.toml`` (see :class:`formcheck.config.FaultRule`).
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.confidence import Footage, fault_confidence
from formcheck.config import FaultRule, RuleBook
from formcheck.result import Fault, NotJudged, Rep


def _holds(value: float, rule: FaultRule) -> bool:
    if rule.comparison == "outside":
        return value < rule.threshold or (rule.upper is not None and value > rule.upper)
    return value > rule.threshold if rule.comparison == ">" else value < rule.threshold


def _judged(values: np.ndarray | float, rule: FaultRule) -> np.ndarray | float:
    """Return what the rule compares: the value, or its size (``judge_by = "size"``)."""
    return np.abs(values) if rule.judge_by == "size" else values


def _value_of(rep: Rep, rule: FaultRule) -> float | None:
    metric = rep.metrics.get(rule.metric)
    if metric is None or metric.value is None or isinstance(metric.value, bool):
        return None
    return float(_judged(float(metric.value), rule))


def _frames(
    rep: Rep, rule: FaultRule, series: dict[str, np.ndarray]
) -> tuple[tuple[int, int], int]:
    """Return the frame range where the fault holds and the worst frame, within the rep.

    ``rule.frames`` says how: ``rep`` is the whole rep with its bottom frame, ``worst`` the
    whole rep with the series' worst frame (for metrics judged against a baseline, whose
    series is not comparable to the threshold), ``crossing`` the frames where the series
    itself crosses the threshold.
    """
    a, b = rep.start_frame, rep.end_frame
    if rule.frames == "rep" or rule.series is None or rule.series not in series:
        return (a, b), rep.bottom_frame
    x = series[rule.series][a : b + 1]
    if not np.isfinite(x).any():
        return (a, b), rep.bottom_frame
    judged = np.asarray(_judged(x, rule))
    worst = int(np.nanargmax(judged) if rule.comparison == ">" else np.nanargmin(judged))
    if rule.frames == "worst":
        return (a, b), a + worst
    filled = np.nan_to_num(judged, nan=-1e9 if rule.comparison == ">" else 1e9)
    hold = np.flatnonzero([_holds(float(v), rule) for v in filled])
    if hold.size == 0:
        return (a, b), a + worst
    return (a + int(hold[0]), a + int(hold[-1])), a + worst


def _evidence(rep: Rep, rule: FaultRule, value: float) -> str:
    raw = rep.metrics[rule.metric].value
    extra = ""
    if rule.sign_words and isinstance(raw, float):
        extra = f" ({rule.sign_words[1] if raw > 0 else rule.sign_words[0]})"
    return f"rep {rep.index}: {rule.metric} = {value:g}{extra}, {rule.describe()} ({rule.unit})" + (
        f". {rule.evidence_note}" if rule.evidence_note else ""
    )


def find_faults(
    reps: list[Rep],
    rules: RuleBook,
    footage: Footage,
    lift: str,
    series: dict[str, np.ndarray],
) -> list[str]:
    """Attach faults to each rep in place; return notes on rules the view could not support.

    A rule whose measurement on a rep has a confidence below ``faults.min_confidence``, or
    whose metric could not be measured, is not judged on that rep: it goes to the rep's
    ``not_judged`` list with the reasons, whatever its value says. So does every rep of a
    rule marked ``judged = false`` (measured, not validated), its ``not_judged_reason`` first.
    """
    view = footage.view
    floor = footage.settings.get("faults.min_confidence")
    unsupported = []
    for fid, rule in rules.faults.items():
        if rule.lift != lift:
            continue
        if view.view not in rule.views:
            unsupported.append(
                f"{fid}: needs a {' or '.join(rule.views)} view, the clip is {view.view}"
            )
            continue
        for rep in reps:
            if rule.metric not in rep.metrics:
                continue
            value = _value_of(rep, rule)
            if value is None:
                why = _missing_reason(rep, rule)
                rep.not_judged.append(_not_judged(fid, rule, rep, 0.0, [why], None))
                continue
            confidence, reasons = fault_confidence(rule, rep, footage)
            if not rule.judged:
                unvalidated = [rule.not_judged_reason, *reasons]
                rep.not_judged.append(_not_judged(fid, rule, rep, confidence, unvalidated, value))
            elif confidence < floor:
                rep.not_judged.append(_not_judged(fid, rule, rep, confidence, reasons, value))
            elif _holds(value, rule):
                rep.faults.append(_fault(fid, rule, rep, value, series, confidence, reasons))
    return unsupported


_MISSING = "the measurement is missing (the landmarks it needs were not found)"


def _missing_reason(rep: Rep, rule: FaultRule) -> str:
    """Return why the rule's metric has no value: its own ``unmeasured: ...`` note if any."""
    note = rep.metrics[rule.metric].note
    return note.removeprefix("unmeasured: ") if note.startswith("unmeasured") else _MISSING


def _not_judged(
    fid: str, rule: FaultRule, rep: Rep, confidence: float, reasons: list[str], value: float | None
) -> NotJudged:
    return NotJudged(
        id=fid,
        title=rule.title,
        rep_index=rep.index,
        confidence=confidence,
        reasons=reasons,
        value=value,
        would_flag=value is not None and _holds(value, rule),
    )


def _fault(
    fid: str,
    rule: FaultRule,
    rep: Rep,
    value: float,
    series: dict[str, np.ndarray],
    confidence: float,
    reasons: list[str],
) -> Fault:
    frame_range, worst = _frames(rep, rule, series)
    return Fault(
        id=fid,
        title=rule.title,
        rep_index=rep.index,
        severity=rule.severity,
        value=value,
        threshold=rule.threshold,
        unit=rule.unit,
        comparison=rule.describe(),
        evidence=_evidence(rep, rule, value),
        soreness=list(rule.soreness),
        cue=rule.cue,
        frame_range=frame_range,
        worst_frame=worst,
        experimental=rule.severity == "experimental",
        body_parts=[list(pair) for pair in rule.highlight],
        confidence=confidence,
        confidence_reasons=reasons,
    )


def confidence_words(fault: Fault) -> str:
    """Return the fault's confidence as words: ``confidence 0.77 (why)`` or ``confidence 1.00``."""
    why = f" ({'; '.join(fault.confidence_reasons)})" if fault.confidence_reasons else ""
    return f"confidence {fault.confidence:.2f}{why}"


def not_judged_notes(reps: list[Rep]) -> list[str]:
    """Return one line per check left unjudged, naming its reps and the first reason."""
    by_id: dict[str, list[NotJudged]] = {}
    for rep in reps:
        for item in rep.not_judged:
            by_id.setdefault(item.id, []).append(item)
    notes = []
    for fid, items in by_id.items():
        which = ", ".join(str(i.rep_index) for i in items)
        worst = min(items, key=lambda i: i.confidence)
        flagged = sum(i.would_flag for i in items)
        would = f"; it would have flagged {flagged} of them" if flagged else ""
        notes.append(
            f"not judged: {fid} in rep(s) {which} (confidence {worst.confidence:.2f}: "
            f"{'; '.join(worst.reasons)}){would}"
        )
    return notes


def summarize(reps: list[Rep], rules: RuleBook) -> list[str]:
    """Return what to fix first: faults ranked by priority, then by how many reps show them."""
    counts: dict[str, int] = {}
    for rep in reps:
        for fault in rep.faults:
            if fault.severity != "info":
                counts[fault.id] = counts.get(fault.id, 0) + 1
    full = max(1, len(reps))
    ranked = sorted(counts, key=lambda f: (rules.faults[f].priority, -counts[f]))
    lines = []
    for rank, fid in enumerate(ranked, start=1):
        rule = rules.faults[fid]
        tag = " (experimental measure)" if rule.severity == "experimental" else ""
        lines.append(
            f"{rank}. {rule.title}{tag} in {counts[fid]} of {full} reps - {rule.cue}. "
            f"Commonly behind soreness in: {', '.join(rule.soreness)}."
        )
    if not lines and reps:
        lines.append("No form fault found in the measurable parts of this set.")
    return lines
