"""What to do next week, drawn from the training report; red flags override everything."""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.log.analytics import ACWR_NOTE, TrainingReport
from formcheck.log.rules import LogRules, default_rules

DISCLAIMER = (
    "formcheck is not a doctor: this is training guidance drawn from your log, not a "
    "diagnosis. If pain is sharp, spreads down a leg or arm, or comes with numbness, "
    "weakness or bladder/bowel changes, stop and get seen."
)
# Verdicts of the triage module at or above "see a professional" (DOMAIN.md s4).
OVERRIDING = ("emergency", "urgent", "see_a_professional", "professional")


@dataclass(frozen=True)
class Advice:
    """One thing to do next week, and why (the numbers behind it)."""

    action: str
    reason: str
    # one of: red_flag, deload, back_off, front_squat, film, hold, rest, keep
    kind: str


def _normalise(verdict: str) -> str:
    return verdict.strip().lower().replace("-", "_").replace(" ", "_")


def _back_off_example(report: TrainingReport, pct: float) -> str:
    examples = []
    for lift, r in report.top_sets.items():
        lighter = (r.weight_kg or 0) * (1 - pct / 100)
        examples.append(
            f"{lift}: {r.weight_kg or 0:.1f} kg x {r.reps} -> about {lighter:.1f} kg "
            f"x {(r.reps or 0) + 2}"
        )
    return f" (e.g. {'; '.join(examples)})" if examples else ""


def _pain_advice(report: TrainingReport, rules: LogRules) -> list[Advice]:
    out: list[Advice] = []
    need = int(rules.pain.breaches_for_deload.value)
    streaks = {k: v for k, v in report.consecutive_breaches.items() if v >= need}
    rising = [t for t in report.pain_trends.values() if t.direction == "rising"]
    deload = rules.advice.deload_volume.value
    if streaks or (
        rising and any((t.latest_worst or 0) > rules.pain.high_risk.value for t in rising)
    ):
        where = ", ".join(f"{k} ({v} reports in a row)" for k, v in streaks.items()) or ", ".join(
            f"{t.region} rising to {t.latest_worst}/10" for t in rising
        )
        out.append(
            Advice(
                f"Take a deload week: cut sets by about {deload:g}% and keep loads light "
                "and pain-free.",
                f"pain broke the rule of twos repeatedly: {where}",
                "deload",
            )
        )
    elif report.breaches or rising:
        pct = rules.advice.back_off.value
        last = report.breaches[-1] if report.breaches else None
        why = (
            f"{last.region} on {last.local_date}: {last.reasons[0]}"
            if last
            else f"{rising[0].region} pain is rising "
            f"({rising[0].slope_per_report:+.1f}/10 per report)"
        )
        out.append(
            Advice(
                f"Back off the weight by about {pct:g}% and add reps"
                f"{_back_off_example(report, pct)}.",
                why,
                "back_off",
            )
        )
    back = [b for b in report.breaches if b.region in ("lower_back", "mid_back")]
    back_rising = any(
        t.direction == "rising"
        for r, t in report.pain_trends.items()
        if r in ("lower_back", "mid_back")
    )
    if (back or back_rising) and "squat" in report.loads and not report.front_squat_recently:
        out.append(
            Advice(
                "Swap back squats for front squats for a few weeks.",
                "your lower/mid back hurts after squat sessions; with the bar in front the lower "
                "back carries far less load at similar leg work",
                "front_squat",
            )
        )
    return out


def _film_advice(report: TrainingReport) -> list[Advice]:
    if report.recurring_faults:
        fault, n = next(iter(report.recurring_faults.items()))
        return [
            Advice(
                "Film the next heavy set from the side and work on that fault before "
                "adding weight.",
                f"'{fault}' recurs in {n} analysed videos",
                "film",
            )
        ]
    sore = report.breaches or any(t.direction == "rising" for t in report.pain_trends.values())
    if sore and (report.days_since_video is None or report.days_since_video > 14):
        return [
            Advice(
                "Film the next set (side view, whole body in frame) and run formcheck "
                "analyze on it.",
                "pain is being reported but there is no recent video to check your form against",
                "film",
            )
        ]
    return []


def _load_advice(report: TrainingReport, rules: LogRules) -> list[Advice]:
    out = []
    jumps = [w for w in report.warnings if w.code == "week_over_week_jump"]
    high = rules.load.acute_chronic_high.value
    ratios = [
        w
        for w in report.warnings
        if w.code == "acute_chronic_high" and float(w.values["ratio"] or 0) >= high
    ]
    if jumps:
        out.append(
            Advice("Hold the load next week instead of adding more.", jumps[0].message, "hold")
        )
    elif ratios:
        out.append(
            Advice(
                "Hold the load next week; let the recent weeks catch up.", ratios[0].message, "hold"
            )
        )
    gap = [w for w in report.warnings if w.code == "recovery_gap"]
    if gap:
        wait = rules.recovery.heavy_gap.value - float(gap[0].values["hours"] or 0)
        out.append(
            Advice(
                f"Wait about {wait:.0f} h more before the next heavy squat or deadlift.",
                gap[0].message,
                "rest",
            )
        )
    same_day = [w for w in report.warnings if w.code == "heavy_same_day"]
    if same_day:
        out.append(
            Advice(
                "Put heavy squats and heavy deadlifts on different days.",
                same_day[0].message,
                "rest",
            )
        )
    return out


def advise(report: TrainingReport, rules: LogRules | None = None) -> list[Advice]:
    """Return next week's advice, most important first.

    A recent triage verdict of "see a professional" or more urgent overrides every
    training rule: it is then the only advice given.
    """
    rules = rules or default_rules()
    if report.latest_triage is not None:
        verdict, when = report.latest_triage
        if any(v in _normalise(verdict) for v in OVERRIDING):
            return [
                Advice(
                    "Follow your triage result before any training change: get the "
                    "recommended care first.",
                    f"triage on {when:%Y-%m-%d} gave '{verdict}'; a red flag overrides "
                    "every other rule",
                    "red_flag",
                )
            ]
    advice = _pain_advice(report, rules) + _film_advice(report) + _load_advice(report, rules)
    if not advice:
        advice.append(
            Advice(
                "Keep training as planned; add load in small steps (no more than ~10% a week).",
                "no load jump, recovery gap, pain breach or recurring fault in the log",
                "keep",
            )
        )
    return advice


def acwr_note() -> str:
    """Return the sentence that qualifies every acute:chronic figure."""
    return ACWR_NOTE
