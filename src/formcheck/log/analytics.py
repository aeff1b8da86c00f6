"""Load, strength, recovery and pain analytics over the training log, with reasoned warnings.

Every warning carries its reason and numbers. Load ratios are descriptive: the
acute:chronic workload ratio is not an injury predictor (Lolli 2019; Impellizzeri 2020),
and formcheck never presents it as a risk score. Thresholds come from ``thresholds.toml``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select

from formcheck.log.db import LogDatabase
from formcheck.log.models import (
    Exercise,
    PainReport,
    SetEntry,
    TrainingSession,
)
from formcheck.log.rules import LogRules, default_rules

BACK_LIFTS = ("squat", "deadlift")
ACWR_NOTE = (
    "descriptive only: the acute:chronic ratio is not an injury predictor "
    "(Lolli 2019; Impellizzeri 2020)"
)


class SetRow(NamedTuple):
    """One logged set with what the analytics need from its session and exercise."""

    started_at: dt.datetime
    local_date: dt.date
    exercise: str
    lift: str
    weight_kg: float | None
    reps: int | None
    rpe: float | None
    warmup: bool


@dataclass(frozen=True)
class OneRepMax:
    """An estimated one-rep max from one set, with both formulas and a band."""

    weight_kg: float
    reps: int
    epley: float
    brzycki: float
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Warning:
    """One finding: a code, what it concerns, a sentence with the numbers, and the numbers."""

    code: str
    subject: str
    message: str
    values: dict[str, float | str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadWindow:
    """Tonnage of one lift: last 7 days, the 7 before, and the 4 weeks before that."""

    lift: str
    acute_kg: float
    acute_sets: int
    acute_reps: int
    previous_kg: float
    chronic_mean_kg: float
    chronic_weeks_trained: int
    week_over_week_pct: float | None
    acute_chronic_ratio: float | None


@dataclass(frozen=True)
class PainTrend:
    """The recent course of one region's worst pain score per report."""

    region: str
    reports: int
    slope_per_report: float | None
    direction: str  # "rising" | "falling" | "flat" | "unknown"
    latest_worst: int | None


@dataclass(frozen=True)
class Breach:
    """A pain report that broke the rule of twos, with each broken check."""

    region: str
    local_date: dt.date
    session_id: int | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TrainingContext:
    """The small, typed summary of recent training that the triage module consumes."""

    as_of: dt.datetime
    week_over_week_increase_pct: float | None
    acute_chronic_ratio: float | None
    hours_since_last_heavy_session: float | None
    pain_trend: dict[str, str]
    rule_of_twos_breaches: int


@dataclass
class TrainingReport:
    """Everything ``formcheck log advice`` needs, computed once."""

    as_of: dt.datetime
    context: TrainingContext
    warnings: list[Warning]
    best_e1rm: dict[str, tuple[str, OneRepMax]]
    loads: dict[str, LoadWindow]
    pain_trends: dict[str, PainTrend]
    breaches: list[Breach]
    consecutive_breaches: dict[str, int]
    recurring_faults: dict[str, int]
    last_heavy: SetRow | None
    latest_triage: tuple[str, dt.datetime] | None
    front_squat_recently: bool
    days_since_video: float | None
    top_sets: dict[str, SetRow]


def estimate_one_rep_max(
    weight_kg: float | None, reps: int | None, rules: LogRules | None = None
) -> OneRepMax | None:
    """Return the Epley / Brzycki one-rep-max estimate of a set, or None when unreliable.

    Epley is w(1 + r/30), Brzycki w * 36 / (37 - r). Only sets of 1 to ``max_reps`` (10)
    reps with a load get an estimate. The band spans both formulas widened by a fraction
    that is larger above ``narrow_band_max_reps`` (6) reps.
    """
    rules = rules or default_rules()
    if (
        weight_kg is None
        or weight_kg <= 0
        or reps is None
        or not 1 <= reps <= rules.e1rm.max_reps.value
    ):
        return None
    if reps == 1:
        epley = brzycki = weight_kg
    else:
        epley = weight_kg * (1 + reps / 30)
        brzycki = weight_kg * 36 / (37 - reps)
    band = (
        rules.e1rm.band_low_reps
        if reps <= rules.e1rm.narrow_band_max_reps.value
        else rules.e1rm.band_high_reps
    ).value
    return OneRepMax(
        weight_kg=weight_kg,
        reps=reps,
        epley=epley,
        brzycki=brzycki,
        estimate=(epley + brzycki) / 2,
        low=min(epley, brzycki) * (1 - band),
        high=max(epley, brzycki) * (1 + band),
    )


def fetch_sets(
    db: LogDatabase, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[SetRow]:
    """Return logged sets (oldest first) whose session started in [since, until]."""
    query = (
        select(
            TrainingSession.started_at,
            TrainingSession.local_date,
            Exercise.name,
            Exercise.lift,
            SetEntry.weight_kg,
            SetEntry.reps,
            SetEntry.rpe,
            SetEntry.warmup,
        )
        .join(TrainingSession, TrainingSession.id == SetEntry.session_id)
        .join(Exercise, Exercise.id == SetEntry.exercise_id)
        .order_by(TrainingSession.started_at, SetEntry.position)
    )
    if since is not None:
        query = query.where(TrainingSession.started_at >= since)
    if until is not None:
        query = query.where(TrainingSession.started_at <= until)
    with db.transaction() as s:
        return [SetRow(*r) for r in s.execute(query)]


def _tonnage(rows: list[SetRow]) -> tuple[float, int, int]:
    work = [r for r in rows if not r.warmup and r.reps]
    kg = sum((r.weight_kg or 0) * (r.reps or 0) for r in work)
    return kg, len(work), sum(r.reps or 0 for r in work)


def load_window(rows: list[SetRow], lift: str, today: dt.date, rules: LogRules) -> LoadWindow:
    """Return the tonnage windows of ``lift`` (``"all"`` for every lift) ending on ``today``."""
    chosen = [r for r in rows if lift == "all" or r.lift == lift]
    weeks = int(rules.load.chronic_weeks.value)

    def days_ago(r: SetRow) -> int:
        return (today - r.local_date).days

    acute = [r for r in chosen if 0 <= days_ago(r) <= 6]
    blocks = [
        [r for r in chosen if 7 * (w + 1) <= days_ago(r) <= 7 * (w + 1) + 6] for w in range(weeks)
    ]
    acute_kg, acute_sets, acute_reps = _tonnage(acute)
    block_kg = [_tonnage(b)[0] for b in blocks]
    previous_kg = block_kg[0]
    chronic = sum(block_kg) / weeks
    trained = sum(1 for kg in block_kg if kg > 0)
    wow = 100 * (acute_kg - previous_kg) / previous_kg if previous_kg > 0 else None
    enough = trained >= rules.load.min_history_weeks.value and chronic > 0
    return LoadWindow(
        lift=lift,
        acute_kg=acute_kg,
        acute_sets=acute_sets,
        acute_reps=acute_reps,
        previous_kg=previous_kg,
        chronic_mean_kg=chronic,
        chronic_weeks_trained=trained,
        week_over_week_pct=wow,
        acute_chronic_ratio=acute_kg / chronic if enough else None,
    )


def weekly_loads(rows: list[SetRow]) -> dict[str, list[tuple[dt.date, float, int]]]:
    """Return per lift the (Monday, tonnage kg, working sets) of every ISO week trained."""
    acc: dict[str, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for r in rows:
        if r.warmup or not r.reps:
            continue
        monday = r.local_date - dt.timedelta(days=r.local_date.weekday())
        cell = acc[r.lift][monday]
        cell[0] += (r.weight_kg or 0) * r.reps
        cell[1] += 1
    return {
        lift: [(d, v[0], int(v[1])) for d, v in sorted(weeks.items())]
        for lift, weeks in acc.items()
    }


def best_e1rm_by_lift(rows: list[SetRow], rules: LogRules) -> dict[str, tuple[str, OneRepMax]]:
    """Return per lift family the exercise and set with the highest e1RM estimate."""
    best: dict[str, tuple[str, OneRepMax]] = {}
    for r in rows:
        if r.warmup:
            continue
        est = estimate_one_rep_max(r.weight_kg, r.reps, rules)
        if est and (r.lift not in best or est.estimate > best[r.lift][1].estimate):
            best[r.lift] = (r.exercise, est)
    return best


def is_heavy(r: SetRow, best: dict[str, tuple[str, OneRepMax]], rules: LogRules) -> bool:
    """Return whether a working set is heavy: high RPE, or near the lift's best e1RM."""
    if r.warmup or not r.weight_kg:
        return False
    if r.rpe is not None and r.rpe >= rules.recovery.heavy_rpe.value:
        return True
    ref = best.get(r.lift)
    return (
        ref is not None
        and r.weight_kg >= rules.recovery.heavy_fraction_of_e1rm.value * ref[1].estimate
    )


def check_rule_of_twos(report: PainReport, rules: LogRules) -> tuple[str, ...]:
    """Return the rule-of-twos checks a pain report breaks, each with its numbers."""
    base = report.before if report.before is not None else 0
    p = rules.pain
    checks = (
        ("during", report.during, p.rule_of_twos_rise.value, "rose during exercise"),
        ("2 h after", report.after, p.rule_of_twos_settle.value, "had not settled 2 h after"),
        (
            "next morning",
            report.next_morning,
            p.rule_of_twos_next_morning.value,
            "was worse the next morning",
        ),
    )
    return tuple(
        f"pain {what}: {name} {score}/10 vs baseline {base}/10 "
        f"(+{score - base}, allowed +{allowed:g})"
        for name, score, allowed, what in checks
        if score is not None and score - base > allowed
    )


def _worst(r: PainReport) -> int | None:
    scores = [v for v in (r.before, r.during, r.after, r.next_morning) if v is not None]
    return max(scores) if scores else None


def pain_trend(region: str, reports: list[PainReport], rules: LogRules) -> PainTrend:
    """Return the least-squares trend of the worst score over a region's recent reports."""
    recent = reports[-int(rules.pain.trend_reports.value) :]
    ys = [w for w in (_worst(r) for r in recent) if w is not None]
    if len(ys) < 3:
        return PainTrend(region, len(ys), None, "unknown", ys[-1] if ys else None)
    n = len(ys)
    mx, my = (n - 1) / 2, sum(ys) / n
    slope = sum((i - mx) * (y - my) for i, y in enumerate(ys)) / sum(
        (i - mx) ** 2 for i in range(n)
    )
    limit = rules.pain.trend_slope.value
    direction = "rising" if slope >= limit else "falling" if slope <= -limit else "flat"
    return PainTrend(region, n, round(slope, 2), direction, ys[-1])
