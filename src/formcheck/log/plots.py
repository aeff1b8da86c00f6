"""Plots of the training log: strength and weekly load per lift, and pain per region.

matplotlib is used with the Agg backend (no display needed); the file type (PNG or SVG)
follows the output file's suffix.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from sqlalchemy import select

from formcheck.errors import LogError
from formcheck.log.analytics import estimate_one_rep_max, fetch_sets, weekly_loads
from formcheck.log.db import LogDatabase
from formcheck.log.models import PainReport, TrainingSession
from formcheck.log.rules import LogRules, default_rules

SUFFIXES = (".png", ".svg")


def _check_out(out: Path) -> None:
    if out.suffix.lower() not in SUFFIXES:
        raise LogError(f"plot file: expected a .png or .svg name, received {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)


def plot_strength(
    db: LogDatabase,
    out: Path,
    lifts: tuple[str, ...] = ("squat", "deadlift"),
    rules: LogRules | None = None,
) -> Path:
    """Return ``out`` after drawing weekly best e1RM (with band) and weekly tonnage per lift.

    Raises
    ------
    LogError
        If the file name is not .png/.svg, or there are no sets of the chosen lifts.
    """
    _check_out(out)
    rules = rules or default_rules()
    rows = [r for r in fetch_sets(db) if r.lift in lifts and not r.warmup]
    if not rows:
        raise LogError(f"plot: expected logged sets of {', '.join(lifts)}, received none")
    best: dict[str, dict[dt.date, tuple[float, float, float]]] = defaultdict(dict)
    for r in rows:
        est = estimate_one_rep_max(r.weight_kg, r.reps, rules)
        if est is None:
            continue
        monday = r.local_date - dt.timedelta(days=r.local_date.weekday())
        if monday not in best[r.lift] or est.estimate > best[r.lift][monday][0]:
            best[r.lift][monday] = (est.estimate, est.low, est.high)
    loads = weekly_loads(rows)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for lift in lifts:
        if best.get(lift):
            days = sorted(best[lift])
            ax1.plot(days, [best[lift][d][0] for d in days], label=lift)
            ax1.fill_between(
                days, [best[lift][d][1] for d in days], [best[lift][d][2] for d in days], alpha=0.2
            )
        if loads.get(lift):
            ax2.plot([w[0] for w in loads[lift]], [w[1] / 1000 for w in loads[lift]], label=lift)
    ax1.set_ylabel("best e1RM of the week (kg)\nEpley/Brzycki, band shaded")
    ax1.set_title("Estimated 1RM (sets of 10 reps or fewer) and weekly tonnage")
    ax2.set_ylabel("weekly tonnage (t = 1000 kg)")
    ax1.legend()
    ax2.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def plot_pain(db: LogDatabase, out: Path) -> Path:
    """Return ``out`` after drawing each region's pain scores over time, sessions marked.

    Raises
    ------
    LogError
        If the file name is not .png/.svg, or there are no pain reports.
    """
    _check_out(out)
    with db.transaction() as s:
        reports = list(s.scalars(select(PainReport).order_by(PainReport.reported_at)))
        if not reports:
            raise LogError("plot: expected pain reports (formcheck log pain), received none")
        first, last = reports[0].local_date, reports[-1].local_date
        days = list(
            s.scalars(
                select(TrainingSession.local_date).where(
                    TrainingSession.local_date >= first - dt.timedelta(days=7),
                    TrainingSession.local_date <= last + dt.timedelta(days=1),
                )
            )
        )
    regions: dict[str, list[PainReport]] = defaultdict(list)
    for r in reports:
        regions[r.region].append(r)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for day in sorted(set(days)):
        ax.axvline(float(mdates.date2num(day)), color="0.85", linewidth=1, zorder=0)
    for region, rs in regions.items():
        xs = [r.local_date for r in rs]
        worst = [
            max(v for v in (r.before, r.during, r.after, r.next_morning) if v is not None)
            for r in rs
        ]
        ax.plot(mdates.date2num(xs), worst, marker="o", label=f"{region} (worst score)")
        morning = [(r.local_date, r.next_morning) for r in rs if r.next_morning is not None]
        if morning:
            ax.scatter(
                mdates.date2num([m[0] for m in morning]), [m[1] for m in morning], marker="x", s=25
            )
    ax.xaxis_date()
    ax.axhspan(0, 2, color="tab:green", alpha=0.08)
    ax.axhspan(5, 10, color="tab:red", alpha=0.08)
    ax.set_ylim(0, 10)
    ax.set_ylabel("pain (0-10)")
    ax.set_title(
        "Pain per region; grey lines = sessions; x = next morning; "
        "green 0-2 safe, red 5-10 high (Silbernagel 2007)",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out
