"""Exporting the training log as a flat CSV of sets or as one JSON document."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from sqlalchemy import select

from formcheck.log.db import LogDatabase
from formcheck.log.models import (
    Exercise,
    Lifter,
    PainReport,
    SetEntry,
    TrainingSession,
    TriageResult,
    VideoAnalysis,
)

EXPORT_SCHEMA = "formcheck.log-export/1"
CSV_COLUMNS = (
    "date",
    "started_at_utc",
    "tz",
    "session",
    "source",
    "exercise",
    "lift",
    "set_index",
    "set_type",
    "warmup",
    "weight_kg",
    "weight_original",
    "unit",
    "reps",
    "rpe",
    "rir",
    "superset",
    "distance_m",
    "seconds",
    "notes",
)


def _set_rows(db: LogDatabase) -> list[dict[str, Any]]:
    query = (
        select(
            TrainingSession.id,
            TrainingSession.local_date,
            TrainingSession.started_at,
            TrainingSession.tz,
            TrainingSession.title,
            TrainingSession.source,
            Exercise.name,
            Exercise.lift,
            SetEntry,
        )
        .join(TrainingSession, TrainingSession.id == SetEntry.session_id)
        .join(Exercise, Exercise.id == SetEntry.exercise_id)
        .order_by(TrainingSession.started_at, SetEntry.position)
    )
    out = []
    with db.transaction() as s:
        for sid, day, started, tz, title, source, name, lift, st in s.execute(query):
            out.append(
                {
                    "session_id": sid,
                    "date": day.isoformat(),
                    "started_at_utc": started.isoformat(),
                    "tz": tz,
                    "session": title,
                    "source": source,
                    "exercise": name,
                    "lift": lift,
                    "set_index": st.set_index,
                    "set_type": st.set_type,
                    "warmup": st.warmup,
                    "weight_kg": st.weight_kg,
                    "weight_original": st.weight_original,
                    "unit": st.unit,
                    "reps": st.reps,
                    "rpe": st.rpe,
                    "rir": st.rir,
                    "superset": st.superset,
                    "distance_m": st.distance_m,
                    "seconds": st.seconds,
                    "notes": st.notes,
                }
            )
    return out


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes it text and is not shown.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return ``value``, with a text cell that a spreadsheet would run as a formula made text.

    Only strings are changed (a ``'`` is put in front); numbers, including negative ones,
    are written as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(db: LogDatabase, *, raw: bool = False) -> str:
    """Return every set as CSV text, one row per set, oldest first (weights in kg).

    Text cells that start with ``= + - @``, a tab or a carriage return get a leading ``'``
    so that a spreadsheet shows them instead of running them; ``raw=True`` keeps them as
    stored.
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in _set_rows(db):
        writer.writerow(row if raw else {k: neutralise_cell(v) for k, v in row.items()})
    return buf.getvalue()


def _iso(v: object) -> object:
    return v.isoformat() if isinstance(v, dt.date | dt.datetime) else v


def _health_records(db: LogDatabase) -> tuple[Any, list[Any], list[Any], list[Any]]:
    """Return the lifter, pain reports, video analyses and triage results as plain data."""
    pain_cols = (
        "id",
        "session_id",
        "reported_at",
        "local_date",
        "region",
        "before",
        "during",
        "after",
        "next_morning",
        "notes",
    )
    with db.transaction() as s:
        lifter = s.scalars(select(Lifter).limit(1)).first()
        pain = [
            {c: _iso(getattr(p, c)) for c in pain_cols}
            for p in s.scalars(select(PainReport).order_by(PainReport.reported_at))
        ]
        videos = [
            {
                "id": v.id,
                "session_id": v.session_id,
                "recorded_at": _iso(v.recorded_at),
                "faults": [f.fault_id for f in v.faults],
                "analysis": v.payload,
            }
            for v in s.scalars(select(VideoAnalysis).order_by(VideoAnalysis.recorded_at))
        ]
        triage = [
            {
                "id": t.id,
                "session_id": t.session_id,
                "recorded_at": _iso(t.recorded_at),
                "verdict": t.verdict,
                "triage": t.payload,
            }
            for t in s.scalars(select(TriageResult).order_by(TriageResult.recorded_at))
        ]
    return lifter, pain, videos, triage


def export_json(db: LogDatabase) -> str:
    """Return the whole log as one JSON document (schema ``formcheck.log-export/1``)."""
    sessions: dict[int, dict[str, Any]] = {}
    for row in _set_rows(db):
        sid = row.pop("session_id")
        sess = sessions.setdefault(
            sid,
            {
                "id": sid,
                "date": row["date"],
                "started_at_utc": row["started_at_utc"],
                "tz": row["tz"],
                "title": row["session"],
                "source": row["source"],
                "sets": [],
            },
        )
        sess["sets"].append(
            {
                k: v
                for k, v in row.items()
                if k not in ("date", "started_at_utc", "tz", "session", "source")
            }
        )
    lifter, pain, videos, triage = _health_records(db)
    doc = {
        "schema": EXPORT_SCHEMA,
        "lifter": None
        if lifter is None
        else {
            "name": lifter.name,
            "height_cm": lifter.height_cm,
            "body_mass_kg": lifter.body_mass_kg,
            "training_age_years": lifter.training_age_years,
        },
        "sessions": list(sessions.values()),
        "pain_reports": pain,
        "video_analyses": videos,
        "triage_results": triage,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
