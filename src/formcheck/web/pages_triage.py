"""Triage: the form (red flags first, body map), the verdict page, and the JSON API.

The form's answers are parsed by the same parser as the interactive ``formcheck triage``
(:func:`formcheck.triage.interactive.parse_answer`), run through :func:`formcheck.triage.triage`
and saved to the training log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from formcheck.log import records
from formcheck.log.models import TriageResult as TriageRow
from formcheck.log.models import WebJob
from formcheck.triage import default_knowledge, triage
from formcheck.triage.interactive import InvalidAnswer, Session, Step, parse_answer
from formcheck.web import jobs
from formcheck.web.app import render
from formcheck.web.bodymap import body_map_svgs
from formcheck.web.errors import WebError
from formcheck.web.pages_log import RowId

router = APIRouter()


def form_steps() -> tuple[list[Step], list[Step]]:
    """Return (red-flag questions, the other questions) in the interactive triage's order."""
    steps = Session(default_knowledge()).steps()
    return [s for s in steps if s.flag is not None], [s for s in steps if s.flag is None]


def latest_done(request: Request) -> WebJob | None:
    """Return the newest finished analysis, or None."""
    rows = jobs.list_jobs(request.app.state.db, jobs.JobFilter(), limit=20)
    return next((j for j in rows if j.status == "done"), None)


def answers_from_form(form: dict[str, list[str]]) -> dict[str, Any]:
    """Return the answers-file mapping of a submitted form; raise 422 naming every bad field."""
    kb = default_knowledge()
    session = Session(kb)
    problems = []
    for step in Session(kb).steps():
        name = step.id
        values = [v for v in form.get(name, []) if v.strip()]
        if step.finding is not None and step.finding.kind in ("regions", "faults"):
            text = ",".join(values)
            if not text:
                continue
        elif not values:
            continue
        else:
            text = values[0]
        try:
            session.record(step, parse_answer(step, text, kb))
        except InvalidAnswer as exc:
            label = step.flag.question if step.flag else step.prompt
            problems.append(f"{label} {exc}")
    if problems:
        raise WebError(422, "expected valid answers: " + "; ".join(problems), details=problems)
    return session.raw_answers()


def run_and_store(request: Request, answers: dict[str, Any], video_id: str | None) -> int:
    """Return the id of the stored triage of ``answers`` (with the linked video, if any)."""
    analysis = None
    if video_id:
        from formcheck.web.pages_analysis import load_analysis

        job = jobs.get_job(request.app.state.db, video_id)
        if job is None:
            raise WebError(404, f"expected the id of a stored analysis, got {video_id[:40]!r}")
        analysis = load_analysis(request, job)
    result = triage(answers, analysis=analysis)
    payload = result.to_dict()
    payload["web"] = {"video": video_id}
    when = jobs.now()
    triage_id, _ = records.add_triage(request.app.state.db, payload, when, when.date())
    return triage_id


def _stored(request: Request, triage_id: int) -> dict[str, Any]:
    with request.app.state.db.transaction() as s:
        row = s.get(TriageRow, triage_id)
        if row is None:
            raise WebError(404, f"expected the id of a stored triage, got {triage_id}")
        return dict(row.payload)


@router.get("/triage", include_in_schema=False)
def triage_form(request: Request, video: str | None = None) -> Response:
    """Return the triage form: red flags first, then the body map and the other questions."""
    kb = default_knowledge()
    flags, rest = form_steps()
    latest = latest_done(request)
    chosen = jobs.get_job(request.app.state.db, video) if video else None
    return render(request, "triage.html.j2", {
        "kb": kb, "general_flags": [s for s in flags if not s.flag or not s.flag.groups],
        "region_flags": [s for s in flags if s.flag and s.flag.groups],
        "questions": [s for s in rest if s.id != "regions"], "maps": body_map_svgs(kb),
        "latest": chosen if chosen is not None and chosen.status == "done" else latest})


@router.post("/triage", include_in_schema=False)
async def triage_submit(request: Request) -> Response:
    """Run the triage of the submitted form and go to its verdict page."""
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    answers = answers_from_form(fields)
    video = (fields.get("use_video") or [""])[0] or None
    triage_id = run_and_store(request, answers, video)
    return RedirectResponse(f"/triage/{triage_id}", status_code=303)


@router.get("/triage/{triage_id}", include_in_schema=False)
def verdict_page(request: Request, triage_id: RowId) -> Response:
    """Return the verdict page of a stored triage."""
    return render(request, "verdict.html.j2", {"r": _stored(request, triage_id),
                                               "triage_id": triage_id})


@router.get("/api/triage/schema", tags=["triage"])
def answers_schema_api() -> dict[str, Any]:
    """Return the JSON Schema of the answers (as ``formcheck triage --schema``)."""
    from formcheck.triage.validation import answers_schema

    return answers_schema(default_knowledge())


@router.post("/api/triage", tags=["triage"])
def triage_api(request: Request, answers: dict[str, Any] = Body(...),  # noqa: B008
               video: str | None = None) -> dict[str, Any]:
    """Run the triage of an answers document (``/api/triage/schema``); it is saved to the log.

    ``video`` links a stored analysis by its id, as "use my latest video" does.
    """
    triage_id = run_and_store(request, answers, video)
    return {"id": triage_id, "result": _stored(request, triage_id)}


@router.get("/api/triage", tags=["triage"])
def triage_history_api(request: Request) -> dict[str, Any]:
    """Return the stored triages, newest first (id, time, verdict)."""
    with request.app.state.db.transaction() as s:
        rows = s.execute(select(TriageRow.id, TriageRow.recorded_at, TriageRow.verdict)
                         .order_by(TriageRow.recorded_at.desc()).limit(100)).all()
    return {"items": [{"id": i, "recorded_at": t.isoformat() + "Z", "verdict": v}
                      for i, t, v in rows]}

