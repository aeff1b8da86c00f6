"""The training log pages and API: sessions, sets, pain, CSV import, charts, advice.

Each action is one call into :mod:`formcheck.log` (one transaction there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, select

from formcheck.errors import LogError
from formcheck.log import records
from formcheck.log.advice import DISCLAIMER, advise
from formcheck.log.cli import local_zone_name
from formcheck.log.entry import (
    local_moment,
    parse_pain_scores,
    parse_quick_entry,
    parse_region,
    record_entry,
)
from formcheck.log.findings import build_report
from formcheck.log.importers import parse_export
from formcheck.log.models import Exercise, PainReport, SetEntry, TrainingSession
from formcheck.log.rules import default_rules
from formcheck.web.app import render
from formcheck.web.errors import WebError
from formcheck.web.uploads import receive_upload

router = APIRouter()
# A row id fits PostgreSQL's 32-bit integer column; a bigger one is a 422, not a 500.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_IMPORT_BYTES = 64 << 20  # a Strong/Hevy export of years of training is a few MiB
CHARTS = ("strength", "pain")
EMPTY_CHART = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 80" class="empty">'
               '<text x="300" y="45" text-anchor="middle" font-family="sans-serif" '
               'font-size="18" fill="#5b6670">Nothing to draw yet: log some {what}.</text></svg>')


def _db(request: Request) -> Any:
    return request.app.state.db


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WebError(422, f"date: expected YYYY-MM-DD, got {value[:20]!r}") from None


def add_sets(request: Request, entry: str, day: str | None, warmup: bool,
             notes: str) -> dict[str, Any]:
    """Store one quick entry (``squat 100kg 5x5 @8``); return what was logged."""
    parsed = parse_quick_entry(entry.split())
    zone = local_zone_name()
    when, local_date = local_moment(_day(day), zone)
    sid, n = record_entry(_db(request), parsed, when=when, local_date=local_date, tz=zone,
                          warmup=warmup, notes=notes[:500])
    return {"session_id": sid, "sets_added": n, "exercise": parsed.exercise,
            "reps": parsed.reps, "weight": parsed.weight, "unit": parsed.unit,
            "local_date": local_date.isoformat()}


def _score(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise WebError(422, f"pain score: expected a whole number 0-10, got {value[:10]!r}")
    return int(value)


async def import_upload(request: Request) -> dict[str, Any]:
    """Import an uploaded Strong or Hevy CSV; return the import summary."""
    s = request.app.state.settings
    upload = await receive_upload(request, s.data_dir / "tmp", MAX_IMPORT_BYTES, None)
    try:
        if upload.path is None or upload.size == 0:
            raise WebError(400, "expected a CSV file in the field 'file', got none")
        unit = upload.fields.get("unit") or "kg"
        if unit not in ("kg", "lb"):
            raise WebError(422, f"unit: expected kg or lb, got {unit[:8]!r}")
        named = upload.path.with_name(f"{upload.path.stem}.csv")
        upload.path.rename(named)
        upload.path = named
        export = parse_export(named, tz=local_zone_name(), unit=unit)
        summary = records.import_export(_db(request), export)
    finally:
        if upload.path is not None:
            upload.path.unlink(missing_ok=True)
    return {"file": upload.filename, **dataclasses.asdict(summary)}


def session_detail(request: Request, session_id: RowId) -> dict[str, Any]:
    """Return one session and its sets, in order."""
    with _db(request).transaction() as s:
        session = s.get(TrainingSession, session_id)
        if session is None:
            raise WebError(404, f"expected the id of a logged session, got {session_id}")
        rows = s.execute(select(Exercise.name, SetEntry.set_index, SetEntry.weight_original,
                                SetEntry.unit, SetEntry.reps, SetEntry.rpe, SetEntry.warmup)
                         .join(Exercise, Exercise.id == SetEntry.exercise_id)
                         .where(SetEntry.session_id == session_id)
                         .order_by(SetEntry.position)).all()
        pain = list(s.scalars(select(PainReport).where(PainReport.session_id == session_id)))
        return {"id": session.id, "date": session.local_date, "title": session.title,
                "notes": session.notes, "sets": [r._asdict() for r in rows],
                "pain": [{"region": p.region, "before": p.before, "during": p.during,
                          "after": p.after, "next_morning": p.next_morning} for p in pain]}


def chart_file(request: Request, kind: str) -> FilePath | None:
    """Return the chart SVG of the log as it is now (drawn again only when the log changed)."""
    from formcheck.log.plots import plot_pain, plot_strength

    db = _db(request)
    with db.transaction() as s:
        stamp = (s.scalar(select(func.max(SetEntry.id))) or 0,
                 s.scalar(select(func.count()).select_from(SetEntry)) or 0,
                 s.scalar(select(func.max(PainReport.id))) or 0)
    folder = request.app.state.settings.data_dir / "charts"
    path = folder / f"{kind}-{stamp[0]}-{stamp[1]}-{stamp[2]}.svg"
    if not path.exists():
        for old in folder.glob(f"{kind}-*.svg"):
            old.unlink(missing_ok=True)
        try:
            (plot_strength if kind == "strength" else plot_pain)(db, path)
        except LogError:
            return None  # nothing to draw yet
    return path


def advice_doc(request: Request) -> dict[str, Any]:
    """Return warnings, advice and the e1RM estimates of the log as of now."""
    report = build_report(_db(request))
    return {
        "best_e1rm": {lift: {"exercise": ex, **dataclasses.asdict(est)}
                      for lift, (ex, est) in report.best_e1rm.items()},
        "warnings": [dataclasses.asdict(w) for w in report.warnings],
        "advice": [dataclasses.asdict(a) for a in advise(report)],
        "disclaimer": DISCLAIMER,
    }


# ---- pages -------------------------------------------------------------------------------

@router.get("/log", include_in_schema=False)
def log_page(request: Request) -> Response:
    """Return the log page: recent sessions, add a set, pain, import, charts."""
    sessions = records.recent_sessions(_db(request), 30)
    return render(request, "log.html.j2", {"sessions": sessions,
                                           "regions": default_rules().regions.names})


@router.get("/log/sessions/{session_id}", include_in_schema=False)
def session_page(request: Request, session_id: RowId) -> Response:
    """Return one session's page."""
    return render(request, "session.html.j2", {"s": session_detail(request, session_id)})


@router.post("/log/sets", include_in_schema=False)
async def add_sets_page(request: Request) -> Response:
    """Log sets from the quick-entry form."""
    form = await request.form()
    done = add_sets(request, str(form.get("entry", "")), str(form.get("date", "")) or None,
                    form.get("warmup") == "on", str(form.get("notes", "")))
    return RedirectResponse(f"/log/sessions/{done['session_id']}", status_code=303)


@router.post("/log/pain", include_in_schema=False)
async def add_pain_page(request: Request) -> Response:
    """Record pain from the pain form."""
    form = await request.form()
    region = parse_region(str(form.get("region", "")))
    scores = parse_pain_scores({k: _score(str(form.get(k, ""))) for k in
                                ("before", "during", "after", "next_morning")})
    when, local_date = local_moment(_day(str(form.get("date", "")) or None), local_zone_name())
    records.add_pain(_db(request), region, scores, when, local_date, "")
    return RedirectResponse("/log", status_code=303)


@router.post("/log/import", include_in_schema=False)
async def import_page(request: Request) -> Response:
    """Import a Strong/Hevy CSV from the form and show what was added."""
    summary = await import_upload(request)
    return render(request, "imported.html.j2", {"summary": summary})


@router.get("/log/charts/{kind}.svg", include_in_schema=False)
def chart(request: Request, kind: str) -> Response:
    """Return a chart of the log (strength: e1RM and weekly load; pain: per region)."""
    if kind not in CHARTS:
        raise WebError(404, "no such chart")
    path = chart_file(request, kind)
    if path is None:
        what = "sets of squat or deadlift" if kind == "strength" else "pain reports"
        return Response(EMPTY_CHART.format(what=what), media_type="image/svg+xml")
    return FileResponse(path, media_type="image/svg+xml")


@router.get("/log/advice", include_in_schema=False)
def advice_page(request: Request) -> Response:
    """Return the advice page: what to do next week and why."""
    return render(request, "advice.html.j2", {"d": advice_doc(request)})


# ---- API ---------------------------------------------------------------------------------

@router.get("/api/log/sessions", tags=["log"])
def sessions_api(request: Request,
                 limit: Annotated[int, Query(ge=1, le=500)] = 30) -> dict[str, Any]:
    """Return the most recent sessions with set counts, tonnage and top set."""
    return {"items": [dataclasses.asdict(r) for r in records.recent_sessions(_db(request), limit)]}


@router.get("/api/log/sessions/{session_id}", tags=["log"])
def session_api(request: Request, session_id: RowId) -> dict[str, Any]:
    """Return one session and its sets."""
    return session_detail(request, session_id)


@router.post("/api/log/sets", tags=["log"])
def add_sets_api(request: Request, entry: str = Body(..., embed=True, max_length=200),
                 date: str | None = Body(None, embed=True),
                 warmup: bool = Body(False, embed=True),
                 notes: str = Body("", embed=True, max_length=500)) -> dict[str, Any]:
    """Log sets with the CLI's quick syntax, e.g. ``squat 100kg 5x5 @8``."""
    return add_sets(request, entry, date, warmup, notes)


@router.post("/api/log/import", tags=["log"])
async def import_api(request: Request) -> dict[str, Any]:
    """Import a Strong or Hevy CSV export (multipart field ``file``; field ``unit`` kg|lb)."""
    return await import_upload(request)


@router.get("/api/log/advice", tags=["log"])
def advice_api(request: Request) -> dict[str, Any]:
    """Return next week's advice with the warnings and numbers behind it."""
    return advice_doc(request)
