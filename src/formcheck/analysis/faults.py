"""Form faults per rep, from the rules data file, with evidence, soreness and cue."""

from __future__ import annotations

import numpy as np

from formcheck.config import FaultRule, RuleBook
from formcheck.result import Fault, Rep, ViewResult


def _holds(value: float, rule: FaultRule, threshold: float | None = None) -> bool:
    limit = rule.threshold if threshold is None else threshold
    if rule.comparison == "outside":
        return value < limit or (rule.upper is not None and value > rule.upper)
    return value > limit if rule.comparison == ">" else value < limit


def _value_of(rep: Rep, rule: FaultRule) -> float | None:
    metric = rep.metrics.get(rule.metric)
    if metric is None or metric.value is None or isinstance(metric.value, bool):
        return None
    value = float(metric.value)
    # Signed metrics (neck) are judged by size; the sign goes into the evidence text.
    return abs(value) if rule.metric == "neck_change_deg" else value


def _frames(
    rep: Rep, rule: FaultRule, series: dict[str, np.ndarray]
) -> tuple[tuple[int, int], int]:
    """Return the frame range where the fault holds and the worst frame, within the rep."""
    a, b = rep.start_frame, rep.end_frame
    if rule.series is None or rule.series not in series or rule.series == "bar_x":
        return (a, b), rep.bottom_frame
    x = series[rule.series][a : b + 1]
    if not np.isfinite(x).any():
        return (a, b), rep.bottom_frame
    signed = np.abs(x) if rule.metric == "neck_change_deg" else x
    if rule.comparison == "outside":
        return (a, b), rep.bottom_frame  # band rules read one value per rep, not a series
    worst = int(np.nanargmax(signed) if rule.comparison == ">" else np.nanargmin(signed))
    if rule.metric in ("depth_thigh_deg", "neck_change_deg", "early_ascent_lean_change_deg"):
        return (a, b), a + worst  # these are judged relative to a baseline, not per frame
    hold = np.flatnonzero(
        [
            _holds(v, rule)
            for v in np.nan_to_num(signed, nan=-1e9 if rule.comparison == ">" else 1e9)
        ]
    )
    if hold.size == 0:
        return (a, b), a + worst
    return (a + int(hold[0]), a + int(hold[-1])), a + worst


def _evidence(rep: Rep, rule: FaultRule, value: float) -> str:
    raw = rep.metrics[rule.metric].value
    extra = ""
    if rule.metric == "neck_change_deg" and isinstance(raw, float):
        extra = " (looking up)" if raw > 0 else " (chin down)"
    return f"rep {rep.index}: {rule.metric} = {value:g}{extra}, {rule.describe()} ({rule.unit})" + (
        f". {rule.evidence_note}" if rule.evidence_note else ""
    )


def find_faults(
    reps: list[Rep], rules: RuleBook, view: ViewResult, lift: str, series: dict[str, np.ndarray]
) -> list[str]:
    """Attach faults to each rep in place; return notes on rules the view could not support."""
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
            value = _value_of(rep, rule)
            if value is None or not _holds(value, rule):
                continue
            frame_range, worst = _frames(rep, rule, series)
            rep.faults.append(
                Fault(
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
                )
            )
    return unsupported


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
