"""Writing to and reading from the training log; every public writer is one transaction.

The CLI calls these; they take an open :class:`~formcheck.log.db.LogDatabase` and do one
user action each, so a crash part-way through (even of a 50,000-set import) leaves the
database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from formcheck.errors import StoredResultError
from formcheck.log.db import LogDatabase
from formcheck.log.importers import ParsedExport, ParsedSet
from formcheck.log.models import (
    Base,
    Exercise,
    Lifter,
    PainReport,
    SetEntry,
    TrainingSession,
    TriageResult,
    VideoAnalysis,
    VideoFault,
)

if TYPE_CHECKING:
    from formcheck.log.rules import LogRules

_TABLES = Base.metadata.tables
CHUNK = 2000  # rows per INSERT batch: big enough for speed, small enough for progress
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """What an import added and what it left out, with reasons."""

    format: str
    rows_read: int
    sets_added: int
    sessions_added: int
    already_present: int
    duplicates_in_file: int
    skipped: list[str] = field(default_factory=list)


def ensure_lifter(session: Session) -> Lifter:
    """Return the database's lifter, creating an unnamed one on first use."""
    lifter = session.scalars(select(Lifter).order_by(Lifter.id).limit(1)).first()
    if lifter is None:
        lifter = Lifter(name="me", created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        session.add(lifter)
        session.flush()
    return lifter


def update_lifter(
    db: LogDatabase,
    *,
    height_cm: float | None = None,
    body_mass_kg: float | None = None,
    training_age_years: float | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Return the lifter's profile after setting the given fields (others stay)."""
    with db.transaction() as s:
        lifter = ensure_lifter(s)
        for attr, value in (
            ("height_cm", height_cm),
            ("body_mass_kg", body_mass_kg),
            ("training_age_years", training_age_years),
            ("name", name),
        ):
            if value is not None:
                setattr(lifter, attr, value)
        return {
            "name": lifter.name,
            "height_cm": lifter.height_cm,
            "body_mass_kg": lifter.body_mass_kg,
            "training_age_years": lifter.training_age_years,
        }


def exercise_ids(session: Session, names: Iterable[str], rules: LogRules) -> dict[str, int]:
    """Return the exercise id of each name, creating the exercises that are new."""
    wanted = {n.casefold(): n for n in names}
    ids = dict(session.execute(select(Exercise.key, Exercise.id)).all())
    for key, name in wanted.items():
        if key not in ids:
            ex = Exercise(key=key, name=name, lift=rules.lift_of(name))
            session.add(ex)
            session.flush()
            ids[key] = ex.id
    return {name: ids[key] for key, name in wanted.items()}


def _session_ids(
    session: Session, parsed: list[ParsedSet], lifter_id: int, source: str, tz: str
) -> tuple[dict[str, int], set[int]]:
    """Return session ids by key (inserting new sessions) and the ids that existed before."""
    firsts: dict[str, ParsedSet] = {}
    for p in parsed:
        firsts.setdefault(p.session_key, p)
    ids: dict[str, int] = {}
    keys = list(firsts)
    for i in range(0, len(keys), 500):
        rows = session.execute(
            select(TrainingSession.source_key, TrainingSession.id).where(
                TrainingSession.source_key.in_(keys[i : i + 500])
            )
        )
        ids.update(rows.all())
    existed = set(ids.values())
    new = [
        {
            "lifter_id": lifter_id,
            "started_at": p.started_at,
            "local_date": p.local_date,
            "tz": tz,
            "title": p.title,
            "duration_min": p.duration_min,
            "notes": p.session_notes,
            "source": source,
            "source_key": k,
        }
        for k, p in firsts.items()
        if k not in ids
    ]
    for i in range(0, len(new), CHUNK):
        session.execute(insert(_TABLES["sessions"]), new[i : i + CHUNK])
    for i in range(0, len(new), 500):
        chunk = [r["source_key"] for r in new[i : i + 500]]
        rows = session.execute(
            select(TrainingSession.source_key, TrainingSession.id).where(
                TrainingSession.source_key.in_(chunk)
            )
        )
        ids.update(rows.all())
    return ids, existed


def _set_values(p: ParsedSet, session_id: int, exercise_id: int, position: int) -> dict[str, Any]:
    """Return the column values of one imported set (the per-row step of an import)."""
    return {
        "session_id": session_id,
        "exercise_id": exercise_id,
        "position": position,
        "set_index": p.set_index,
        "weight_kg": p.weight_kg,
        "weight_original": p.weight_original,
        "unit": p.unit,
        "reps": p.reps,
        "rpe": p.rpe,
        "rir": None,
        "warmup": p.set_type == "warmup",
        "set_type": p.set_type,
        "superset": p.superset,
        "distance_m": p.distance_m,
        "seconds": p.seconds,
        "notes": p.notes,
        "source_key": p.key,
    }


def _existing_sets(session: Session, ids: list[int]) -> tuple[set[str], dict[int, int]]:
    """Return the set keys already stored in these sessions, and each one's last position."""
    keys: set[str] = set()
    last: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(SetEntry.session_id, SetEntry.source_key, SetEntry.position).where(
                SetEntry.session_id.in_(ids[i : i + 500])
            )
        )
        for sid, key, pos in rows:
            keys.add(key)
            last[sid] = max(last.get(sid, 0), pos)
    return keys, last


def import_export(
    db: LogDatabase,
    export: ParsedExport,
    progress: Progress | None = None,
    rules: LogRules | None = None,
) -> ImportSummary:
    """Return what writing a parsed export added; all of it is one transaction.

    Sets already in the database (same session, exercise, set and values) are skipped, so
    re-importing a file adds nothing.
    """
    from formcheck.log.rules import default_rules  # pydantic is only needed to write

    rules = rules or default_rules()
    total = len(export.sets)
    added = 0
    with db.transaction() as s:
        lifter = ensure_lifter(s)
        ex_ids = exercise_ids(s, (p.exercise for p in export.sets), rules)
        sess_ids, existed = _session_ids(s, export.sets, lifter.id, export.app, export.tz)
        present, position = _existing_sets(s, list(existed))
        batch: list[dict[str, Any]] = []
        for done, p in enumerate(export.sets, start=1):
            if p.key not in present:
                sid = sess_ids[p.session_key]
                position[sid] = position.get(sid, 0) + 1
                batch.append(_set_values(p, sid, ex_ids[p.exercise], position[sid]))
            if len(batch) >= CHUNK or done == total:
                if batch:
                    # Core insert: one executemany per batch (ORM bulk splits by None pattern).
                    s.execute(insert(_TABLES["sets"]), batch)
                    added += len(batch)
                    batch = []
                if progress:
                    progress(done, total)
    return ImportSummary(
        format=export.format,
        rows_read=export.rows_read,
        sets_added=added,
        sessions_added=len(set(sess_ids.values()) - existed),
        already_present=total - added,
        duplicates_in_file=export.duplicates,
        skipped=export.skipped,
    )


def session_for_day(
    session: Session, lifter_id: int, local_date: dt.date, tz: str, started_at: dt.datetime
) -> TrainingSession:
    """Return the manual session of that day, creating it when there is none."""
    key = f"manual:{local_date.isoformat()}"
    found = session.scalars(
        select(TrainingSession).where(TrainingSession.source_key == key)
    ).first()
    if found is None:
        found = TrainingSession(
            lifter_id=lifter_id,
            started_at=started_at,
            local_date=local_date,
            tz=tz,
            title="formcheck log",
            notes="",
            source="manual",
            source_key=key,
        )
        session.add(found)
        session.flush()
    return found


def nearest_session(session: Session, local_date: dt.date) -> TrainingSession | None:
    """Return the latest session on ``local_date`` (any source), or None."""
    return session.scalars(
        select(TrainingSession)
        .where(TrainingSession.local_date == local_date)
        .order_by(TrainingSession.started_at.desc())
        .limit(1)
    ).first()


def add_pain(
    db: LogDatabase,
    region: str,
    scores: dict[str, int | None],
    when: dt.datetime,
    local_date: dt.date,
    notes: str = "",
) -> tuple[int, int | None]:
    """Return (report id, linked session id) after storing one pain report."""
    with db.transaction() as s:
        linked = nearest_session(s, local_date)
        report = PainReport(
            session_id=linked.id if linked else None,
            reported_at=when,
            local_date=local_date,
            region=region,
            notes=notes,
            **scores,
        )
        s.add(report)
        s.flush()
        return report.id, report.session_id


def _faults_of(payload: dict[str, Any]) -> list[tuple[str, int, str]]:
    problems: list[str] = []
    out: list[tuple[str, int, str]] = []
    reps = payload.get("reps")
    if not isinstance(reps, list):
        raise StoredResultError(f"expected 'reps' to be a list, received {type(reps).__name__}")
    for r in reps:
        for f in r.get("faults", []) if isinstance(r, dict) else []:
            if not isinstance(f, dict) or not isinstance(f.get("id"), str):
                problems.append(f"rep {r.get('index')}: fault without a string 'id'")
                continue
            out.append(
                (f["id"], int(f.get("rep_index", r.get("index", 0))), str(f.get("severity", "")))
            )
    if problems:
        raise StoredResultError("expected every fault to have an 'id'; " + "; ".join(problems))
    return out


def add_analysis(
    db: LogDatabase, payload: dict[str, Any], when: dt.datetime, local_date: dt.date
) -> tuple[int, int | None, bool]:
    """Return (analysis id, linked session id, newly stored) for a ``formcheck analyze`` JSON.

    The same video (by its SHA-256) is stored once; storing it again changes nothing.
    """
    schema = payload.get("schema")
    if schema != "formcheck.analysis/1":
        raise StoredResultError(
            f"expected an analysis JSON with schema 'formcheck.analysis/1', received {schema!r}"
        )
    sha = str((payload.get("video") or {}).get("sha256") or "")
    if not sha:
        raise StoredResultError("expected video.sha256 in the analysis JSON, received none")
    faults = _faults_of(payload)
    with db.transaction() as s:
        existing = s.scalars(select(VideoAnalysis).where(VideoAnalysis.video_sha256 == sha)).first()
        if existing is not None:
            return existing.id, existing.session_id, False
        linked = nearest_session(s, local_date)
        row = VideoAnalysis(
            session_id=linked.id if linked else None,
            recorded_at=when,
            video_sha256=sha,
            lift=str(payload.get("lift", "")),
            schema=schema,
            payload=payload,
        )
        row.faults = [VideoFault(fault_id=f, rep_index=i, severity=sv) for f, i, sv in faults]
        s.add(row)
        s.flush()
        return row.id, row.session_id, True


def add_triage(
    db: LogDatabase, payload: dict[str, Any], when: dt.datetime, local_date: dt.date
) -> tuple[int, int | None]:
    """Return (triage id, linked session id) after storing a triage JSON with a ``verdict``."""
    verdict = payload.get("verdict")
    if isinstance(verdict, dict):
        verdict = verdict.get("level") or verdict.get("id")
    if not isinstance(verdict, str) or not verdict.strip():
        raise StoredResultError(
            f"expected a triage JSON with a string 'verdict', received {payload.get('verdict')!r}"
        )
    with db.transaction() as s:
        linked = nearest_session(s, local_date)
        row = TriageResult(
            session_id=linked.id if linked else None,
            recorded_at=when,
            verdict=verdict.strip(),
            payload=payload,
        )
        s.add(row)
        s.flush()
        return row.id, row.session_id


@dataclass
class SessionSummary:
    """One row of ``formcheck log show``."""

    id: int
    local_date: dt.date
    title: str
    sets: int
    tonnage_kg: float
    exercises: str
    top_set: str


def recent_sessions(db: LogDatabase, limit: int = 10) -> list[SessionSummary]:
    """Return the most recent sessions, newest first, with their set counts and tonnage."""
    with db.transaction() as s:
        sessions = s.execute(
            select(TrainingSession.id, TrainingSession.local_date, TrainingSession.title)
            .order_by(TrainingSession.started_at.desc())
            .limit(limit)
        ).all()
        ids = [r.id for r in sessions]
        rows = s.execute(
            select(
                SetEntry.session_id,
                Exercise.name,
                Exercise.lift,
                SetEntry.weight_kg,
                SetEntry.reps,
                SetEntry.warmup,
                SetEntry.unit,
                SetEntry.weight_original,
            )
            .join(Exercise, Exercise.id == SetEntry.exercise_id)
            .where(SetEntry.session_id.in_(ids))
            .order_by(SetEntry.session_id, SetEntry.position)
        ).all()
    by_session: dict[int, list[Any]] = {}
    for r in rows:
        by_session.setdefault(r.session_id, []).append(r)
    out = []
    for sid, day, title in sessions:
        sets = by_session.get(sid, [])
        work = [r for r in sets if not r.warmup]
        tonnage = sum((r.weight_kg or 0) * (r.reps or 0) for r in work)
        names = list(dict.fromkeys(r.name for r in sets))
        top = max(work, key=lambda r: (r.lift != "other", r.weight_kg or 0), default=None)
        top_txt = (
            f"{top.name} {top.weight_original:g} {top.unit} x {top.reps}"
            if top is not None and top.weight_kg
            else ""
        )
        out.append(
            SessionSummary(
                sid,
                day,
                title,
                len(sets),
                round(tonnage, 1),
                ", ".join(names[:4]) + (" ..." if len(names) > 4 else ""),
                top_txt,
            )
        )
    return out


def count_rows(db: LogDatabase) -> dict[str, int]:
    """Return the number of rows in each table (for tests and ``log show --stats``)."""
    tables = (
        Lifter,
        Exercise,
        TrainingSession,
        SetEntry,
        PainReport,
        VideoAnalysis,
        VideoFault,
        TriageResult,
    )
    with db.transaction() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
