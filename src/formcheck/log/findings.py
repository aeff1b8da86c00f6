"""Assembling the training report: load windows, recovery, pain, faults and triage, as warnings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select

from formcheck.log.analytics import (
    ACWR_NOTE,
    BACK_LIFTS,
    Breach,
    LoadWindow,
    OneRepMax,
    PainTrend,
    SetRow,
    TrainingContext,
    TrainingReport,
    Warning,
    best_e1rm_by_lift,
    check_rule_of_twos,
    fetch_sets,
    is_heavy,
    load_window,
    pain_trend,
)
from formcheck.log.db import LogDatabase
from formcheck.log.models import PainReport, TriageResult, VideoAnalysis, VideoFault
from formcheck.log.rules import LogRules, default_rules


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _load_warnings(loads: dict[str, LoadWindow], rules: LogRules) -> list[Warning]:
    out = []
    limit = rules.load.week_over_week_increase.value
    low = rules.load.acute_chronic_low.value
    for lift, w in loads.items():
        if w.week_over_week_pct is not None and w.week_over_week_pct > limit:
            out.append(
                Warning(
                    "week_over_week_jump",
                    lift,
                    f"{lift}: tonnage rose {w.week_over_week_pct:.0f}% week over week "
                    f"({w.acute_kg:,.0f} kg in the last 7 days vs {w.previous_kg:,.0f} kg the 7 "
                    f"days before); the usual guide is at most ~{limit:g}% a week",
                    {
                        "pct": round(w.week_over_week_pct, 1),
                        "acute_kg": round(w.acute_kg, 1),
                        "previous_kg": round(w.previous_kg, 1),
                        "limit_pct": limit,
                    },
                )
            )
        if w.acute_chronic_ratio is not None and w.acute_chronic_ratio >= low:
            out.append(
                Warning(
                    "acute_chronic_high",
                    lift,
                    f"{lift}: the last 7 days ({w.acute_kg:,.0f} kg) are "
                    f"{w.acute_chronic_ratio:.2f}x the weekly average of the 4 weeks before "
                    f"({w.chronic_mean_kg:,.0f} kg); {ACWR_NOTE}",
                    {
                        "ratio": round(w.acute_chronic_ratio, 2),
                        "acute_kg": round(w.acute_kg, 1),
                        "chronic_mean_kg": round(w.chronic_mean_kg, 1),
                        "reported_above": low,
                    },
                )
            )
    return out


def _heavy_sets(
    rows: list[SetRow], best: dict[str, tuple[str, OneRepMax]], rules: LogRules
) -> list[SetRow]:
    return [r for r in rows if r.lift in BACK_LIFTS and is_heavy(r, best, rules)]


def _recovery_warnings(heavy: list[SetRow], as_of: dt.datetime, rules: LogRules) -> list[Warning]:
    out = []
    gap = rules.recovery.heavy_gap.value
    if heavy:
        last = heavy[-1]
        hours = (as_of - last.started_at).total_seconds() / 3600
        if 0 <= hours < gap:
            out.append(
                Warning(
                    "recovery_gap",
                    last.lift,
                    f"last heavy {last.lift} was {hours:.0f} h ago ({last.exercise} "
                    f"{last.weight_kg or 0:.1f} kg x {last.reps} on {last.local_date}); many "
                    f"lifters leave ~{gap:g} h before the next heavy squat or deadlift "
                    "(guidance, not law)",
                    {"hours": round(hours, 1), "guide_h": gap},
                )
            )
    days: dict[dt.date, set[str]] = defaultdict(set)
    for r in heavy:
        days[r.local_date].add(r.lift)
    both = sorted(d for d, lifts in days.items() if set(BACK_LIFTS) <= lifts)
    recent = [d for d in both if (as_of.date() - d).days <= 14]
    if recent:
        out.append(
            Warning(
                "heavy_same_day",
                "squat+deadlift",
                f"heavy squats and heavy deadlifts on the same day "
                f"({', '.join(map(str, recent))}); when lifting very heavy, split them across days",
                {"days": len(recent)},
            )
        )
    return out


def _pain_findings(
    db: LogDatabase, as_of: dt.datetime, rules: LogRules
) -> tuple[dict[str, PainTrend], list[Breach], dict[str, int], list[Warning]]:
    with db.transaction() as s:
        reports = list(
            s.scalars(
                select(PainReport)
                .where(PainReport.reported_at <= as_of)
                .order_by(PainReport.reported_at, PainReport.id)
            )
        )
    by_region: dict[str, list[PainReport]] = defaultdict(list)
    for r in reports:
        by_region[r.region].append(r)
    since = as_of.date() - dt.timedelta(days=rules.pain.lookback.value)
    trends, breaches, streaks, warnings = {}, [], {}, []
    for region, rs in by_region.items():
        trends[region] = pain_trend(region, rs, rules)
        streak = 0
        for r in rs:
            reasons = check_rule_of_twos(r, rules)
            streak = streak + 1 if reasons else 0
            if reasons and r.local_date >= since:
                breaches.append(Breach(region, r.local_date, r.session_id, reasons))
                warnings.append(
                    Warning(
                        "rule_of_twos",
                        region,
                        f"{region} on {r.local_date}: " + "; ".join(reasons) + "; breaking the "
                        "rule of twos means reduce the load",
                        {"checks_broken": len(reasons)},
                    )
                )
        streaks[region] = streak
        t = trends[region]
        if t.direction == "rising":
            warnings.append(
                Warning(
                    "pain_rising",
                    region,
                    f"{region}: worst pain is rising by {t.slope_per_report:+.1f}/10 per report "
                    f"over the last {t.reports} reports (latest {t.latest_worst}/10)",
                    {"slope": t.slope_per_report, "latest": t.latest_worst},
                )
            )
        if t.latest_worst is not None and t.latest_worst > rules.pain.high_risk.value:
            warnings.append(
                Warning(
                    "pain_high",
                    region,
                    f"{region}: latest pain {t.latest_worst}/10 is in the high-risk band "
                    f"(> {rules.pain.high_risk.value:g}/10, Silbernagel 2007)",
                    {"latest": t.latest_worst},
                )
            )
    return trends, breaches, streaks, warnings


def _fault_findings(
    db: LogDatabase, as_of: dt.datetime, rules: LogRules
) -> tuple[dict[str, int], float | None, list[Warning]]:
    since = as_of - dt.timedelta(days=rules.video.lookback.value)
    with db.transaction() as s:
        counts = dict(
            s.execute(
                select(VideoFault.fault_id, func.count(func.distinct(VideoFault.analysis_id)))
                .join(VideoAnalysis, VideoAnalysis.id == VideoFault.analysis_id)
                .where(VideoAnalysis.recorded_at >= since, VideoAnalysis.recorded_at <= as_of)
                .group_by(VideoFault.fault_id)
            ).all()
        )
        latest = s.scalar(
            select(func.max(VideoAnalysis.recorded_at)).where(VideoAnalysis.recorded_at <= as_of)
        )
    need = int(rules.video.recurring_min_videos.value)
    recurring = {f: n for f, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= need}
    warnings = [
        Warning(
            "recurring_fault",
            f,
            f"fault '{f}' appears in {n} analysed videos of the last "
            f"{rules.video.lookback.value:g} days",
            {"videos": n},
        )
        for f, n in recurring.items()
    ]
    days = (as_of - latest).total_seconds() / 86400 if latest else None
    return recurring, days, warnings


def _latest_triage(
    db: LogDatabase, as_of: dt.datetime, rules: LogRules
) -> tuple[str, dt.datetime] | None:
    since = as_of - dt.timedelta(days=rules.advice.triage_lookback.value)
    with db.transaction() as s:
        row = s.execute(
            select(TriageResult.verdict, TriageResult.recorded_at)
            .where(TriageResult.recorded_at >= since, TriageResult.recorded_at <= as_of)
            .order_by(TriageResult.recorded_at.desc())
            .limit(1)
        ).first()
    return (row[0], row[1]) if row else None


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _largest_increase(loads: dict[str, LoadWindow]) -> float | None:
    changes = [w.week_over_week_pct for w in loads.values() if w.week_over_week_pct is not None]
    return round(max(changes), 1) if changes else None


def _top_sets(rows: list[SetRow], today: dt.date, days: int = 14) -> dict[str, SetRow]:
    """Return the heaviest recent working set of each back lift (for back-off examples)."""
    top: dict[str, SetRow] = {}
    for r in rows:
        if r.lift not in BACK_LIFTS or r.warmup or not r.weight_kg:
            continue
        if (today - r.local_date).days <= days and r.weight_kg >= (
            top[r.lift].weight_kg or 0 if r.lift in top else 0
        ):
            top[r.lift] = r
    return top


def build_report(
    db: LogDatabase, as_of: dt.datetime | None = None, rules: LogRules | None = None
) -> TrainingReport:
    """Return the training report as of ``as_of`` (naive UTC; default now).

    Only the last ``e1rm_lookback`` days of sets are read, so the cost does not grow with
    years of history.
    """
    rules = rules or default_rules()
    as_of = as_of or _utc_now()
    rows = fetch_sets(db, as_of - dt.timedelta(days=rules.recovery.e1rm_lookback.value), as_of)
    today = as_of.date()
    lifts = [lift for lift in BACK_LIFTS if any(r.lift == lift for r in rows)] + ["all"]
    loads = {lift: load_window(rows, lift, today, rules) for lift in lifts}
    best = best_e1rm_by_lift(rows, rules)
    heavy = _heavy_sets(rows, best, rules)
    trends, breaches, streaks, pain_warnings = _pain_findings(db, as_of, rules)
    recurring, days_video, fault_warnings = _fault_findings(db, as_of, rules)
    warnings = (
        _load_warnings(loads, rules)
        + _recovery_warnings(heavy, as_of, rules)
        + pain_warnings
        + fault_warnings
    )
    context = TrainingContext(
        as_of=as_of,
        week_over_week_increase_pct=_largest_increase(loads),
        acute_chronic_ratio=_rounded(loads["all"].acute_chronic_ratio, 2),
        hours_since_last_heavy_session=(
            round((as_of - heavy[-1].started_at).total_seconds() / 3600, 1) if heavy else None
        ),
        pain_trend={k: v.direction for k, v in trends.items()},
        rule_of_twos_breaches=len(breaches),
    )
    return TrainingReport(
        as_of=as_of,
        context=context,
        warnings=warnings,
        best_e1rm=best,
        loads=loads,
        pain_trends=trends,
        breaches=breaches,
        consecutive_breaches=streaks,
        recurring_faults=recurring,
        last_heavy=heavy[-1] if heavy else None,
        latest_triage=_latest_triage(db, as_of, rules),
        front_squat_recently=any(
            "front squat" in r.exercise.casefold()
            for r in rows
            if (today - r.local_date).days <= 14
        ),
        days_since_video=days_video,
        top_sets=_top_sets(rows, today),
    )


def training_context(
    db: LogDatabase, as_of: dt.datetime | None = None, rules: LogRules | None = None
) -> TrainingContext:
    """Return the typed training context (load change, ACWR, recovery, pain) for triage."""
    return build_report(db, as_of, rules).context
