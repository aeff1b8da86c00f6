"""The triage's training signals, read from the lifter's training log."""

from __future__ import annotations

from formcheck.triage.models import TrainingContext


def pain_trend_word(directions: dict[str, str]) -> str | None:
    """Return "worse", "better" or "same" from the log's per-region pain directions.

    Any region whose pain is rising makes the trend "worse": a worsening region is the
    strongest sign to back off, whatever the others do.
    """
    known = [d for d in directions.values() if d in ("rising", "falling", "flat")]
    if not known:
        return None
    if "rising" in known:
        return "worse"
    if all(d == "falling" for d in known):
        return "better"
    return "same"


def context_from_log(db_url: str | None = None) -> TrainingContext:
    """Return the triage's :class:`TrainingContext` computed from the training log at ``db_url``."""
    from formcheck.log.db import open_database
    from formcheck.log.findings import training_context

    log_ctx = training_context(open_database(db_url))
    return TrainingContext(
        week_over_week_increase_pct=log_ctx.week_over_week_increase_pct,
        hours_since_last_heavy_session=log_ctx.hours_since_last_heavy_session,
        pain_trend=pain_trend_word(log_ctx.pain_trend),  # type: ignore[arg-type]
        source="log",
    )
