"""Analyse: upload, job progress and cancel, the report page, history, delete, compare.

The upload is checked by the video probe and the options by ``AnalysisOptions.resolved()``
before a job is queued; the worker process runs ``analyze_video`` and ``write_outputs``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from formcheck.capture.video import probe_video
from formcheck.config import load_rules, parse_overrides
from formcheck.errors import FormcheckError, InputFileError
from formcheck.log.models import WebJob
from formcheck.pipeline import LIFTS, AnalysisOptions
from formcheck.report.page import format_metric
from formcheck.report.plots import metric_title
from formcheck.result import Metric
from formcheck.styles import STYLES
from formcheck.web import jobs
from formcheck.web.app import render
from formcheck.web.errors import WebError
from formcheck.web.uploads import Upload, receive_upload
from formcheck.web.worker import SOURCE_NAME

router = APIRouter()
# Files of a job that may be served, by name; anything else is 404 (no paths from the URL).
SERVED = {"annotated.mp4": "video/mp4", "analysis.json": "application/json"}
SERVED_SUFFIXES = {".png": "image/png", ".svg": "image/svg+xml"}
HISTORY_PAGE = 50  # analyses per history page


def _settings(request: Request) -> Any:
    return request.app.state.settings


def _db(request: Request) -> Any:
    return request.app.state.db


def option_rows() -> list[dict[str, Any]]:
    """Return the fault thresholds that can be overridden, with defaults and units."""
    return [{"id": fid, "title": r.title, "lift": r.lift, "value": r.threshold, "unit": r.unit}
            for fid, r in load_rules().faults.items()]


def parse_options(fields: dict[str, str]) -> dict[str, Any]:
    """Return the job options from the form fields, checked by the pipeline's own checks.

    Raises
    ------
    ConfigError
        Naming every bad option (lift, style, height, thresholds).
    """
    height = fields.get("height_cm", "").strip()
    pairs = [p.strip() for p in fields.get("thresholds", "").replace("\n", ",").split(",")
             if p.strip()]
    try:
        height_cm = float(height) if height else None
    except ValueError:
        height_cm = -1.0  # reported by the pipeline's check as out of range
    lift, style = fields.get("lift") or "auto", fields.get("style") or None
    thresholds = parse_overrides(pairs, "thresholds")
    AnalysisOptions(lift=lift, style=style, height_cm=height_cm, thresholds=thresholds).resolved()
    return {"lift": lift, "style": style, "height_cm": height_cm, "thresholds": thresholds}


def _discard(upload: Upload) -> None:
    if upload.path is not None:
        upload.path.unlink(missing_ok=True)


async def accept_upload(request: Request) -> str:
    """Return the id of the job queued for the uploaded video; store nothing when it is bad."""
    s = _settings(request)
    upload = await receive_upload(request, s.data_dir / "tmp", s.max_upload_bytes,
                                  s.max_duration_s)
    try:
        if upload.path is None or upload.size == 0:
            raise WebError(400, "expected a video file in the field 'video', got none")
        options = parse_options(upload.fields)
        info = probe_video(upload.path)
        if info.duration_s > s.max_duration_s:
            raise WebError(413, f"expected a clip of at most {s.max_duration_s:g} s; this one "
                                f"is {info.duration_s:.0f} s", code="too_long")
    except WebError:
        _discard(upload)
        raise
    except FormcheckError as exc:
        _discard(upload)
        # The probe names the temporary file; the lifter knows the file by its own name.
        text = str(exc).replace(upload.path.name if upload.path else "\0", upload.filename)
        status = 422 if isinstance(exc, InputFileError) else 400
        raise WebError(status, text, code=type(exc).__name__) from exc
    job_id = jobs.new_job_id()
    folder = jobs.job_dir(s.data_dir, job_id)
    folder.mkdir(parents=True)
    shutil.move(str(upload.path), folder / SOURCE_NAME)
    jobs.create_job(_db(request), job_id, filename=upload.filename or "video",
                    size_bytes=upload.size, duration_s=info.duration_s, options=options)
    request.app.state.runner.wake()
    return job_id


def queue_sample(app: Any, path: Path) -> str | None:
    """Return the id of a job queued for ``path`` when nothing is stored yet, else None."""
    db, s = app.state.db, app.state.settings
    if jobs.list_jobs(db, jobs.JobFilter(), limit=1):
        return None
    info = probe_video(path)
    job_id = jobs.new_job_id()
    folder = jobs.job_dir(s.data_dir, job_id)
    folder.mkdir(parents=True)
    shutil.copyfile(path, folder / SOURCE_NAME)
    jobs.create_job(db, job_id, filename=path.name, size_bytes=path.stat().st_size,
                    duration_s=info.duration_s, options={"lift": "auto"})
    return job_id


STAGE_WORDS = {"queued": "waiting in the queue", "starting": "starting the analysis",
               "pose": "finding the lifter in each frame", "render": "drawing the video",
               "store": "saving the report"}


def job_json(job: WebJob) -> dict[str, Any]:
    """Return the public JSON of a job (status, progress, what it found, its links)."""
    return {
        "id": job.id, "status": job.status, "stage": job.stage,
        "stage_label": STAGE_WORDS.get(job.stage, job.stage), "percent": job.percent,
        "eta_s": job.eta_s, "message": job.message, "filename": job.filename,
        "created_at": job.created_at.isoformat() + "Z", "size_bytes": job.size_bytes,
        "duration_s": job.duration_s, "options": job.options, "lift": job.lift,
        "reps": job.reps, "faults": job.faults, "attempts": job.attempts,
        "links": {"page": f"/analyses/{job.id}", "status": f"/api/jobs/{job.id}",
                  "analysis": f"/api/analyses/{job.id}" if job.status == "done" else None,
                  "video": f"/files/{job.id}/annotated.mp4" if job.status == "done" else None},
    }


def _job_or_404(request: Request, job_id: str) -> WebJob:
    job = jobs.get_job(_db(request), job_id)
    if job is None:
        raise WebError(404, f"expected the id of a stored analysis, got {job_id[:40]!r}")
    return job


def _filter(lift: str | None, date_from: str | None, date_to: str | None) -> jobs.JobFilter:
    problems = []
    if lift and lift not in ("squat", "deadlift"):
        problems.append(f"lift: expected squat or deadlift, got {lift[:20]!r}")
    days = []
    for name, value in (("from", date_from), ("to", date_to)):
        try:
            days.append(dt.date.fromisoformat(value) if value else None)
        except ValueError:
            problems.append(f"{name}: expected a date YYYY-MM-DD, got {str(value)[:20]!r}")
            days.append(None)
    if problems:
        raise WebError(422, "; ".join(problems))
    return jobs.JobFilter(lift=lift or None, date_from=days[0], date_to=days[1])


def load_analysis(request: Request, job: WebJob) -> dict[str, Any]:
    """Return the stored analysis JSON of a finished job."""
    path = jobs.job_dir(_settings(request).data_dir, job.id) / "report" / "analysis.json"
    if job.status != "done" or not path.is_file():
        raise WebError(409, f"expected a finished analysis, this one is {job.status}")
    return json.loads(path.read_text(encoding="utf-8"))


def report_body(request: Request, job: WebJob) -> str:
    """Return the body of the report page ``write_outputs`` wrote (its ``<main>``)."""
    path = jobs.job_dir(_settings(request).data_dir, job.id) / "report" / "report.html"
    html = path.read_text(encoding="utf-8")
    start, end = html.find("<main>"), html.rfind("</main>")
    return html[start + len("<main>"):end] if start >= 0 and end > start else ""


# ---- pages -------------------------------------------------------------------------------

@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    """Return the upload page with the options and the latest analyses."""
    recent = jobs.list_jobs(_db(request), jobs.JobFilter(), limit=5)
    return render(request, "home.html.j2", {"lifts": LIFTS, "styles": STYLES,
                                            "thresholds": option_rows(), "recent": recent,
                                            "max_mb": _settings(request).max_upload_bytes >> 20,
                                            "max_min": _settings(request).max_duration_s / 60})


@router.post("/analyses", include_in_schema=False)
async def upload_page(request: Request) -> Response:
    """Take an upload from the form and go to its progress page."""
    job_id = await accept_upload(request)
    return RedirectResponse(f"/analyses/{job_id}", status_code=303)


@router.get("/analyses", include_in_schema=False)
def history_page(request: Request, lift: str | None = None, date_from: str | None = None,
                 date_to: str | None = None,
                 page: int = Query(1, ge=1, le=100_000)) -> Response:
    """Return the history of analyses, filtered by lift and upload date, 50 a page."""
    flt = _filter(lift, date_from, date_to)
    rows = jobs.list_jobs(_db(request), flt, limit=HISTORY_PAGE + 1,
                          offset=(page - 1) * HISTORY_PAGE)
    query = "&".join(f"{k}={v}" for k, v in (("lift", lift), ("date_from", date_from),
                                             ("date_to", date_to)) if v)
    return render(request, "history.html.j2", {
        "rows": rows[:HISTORY_PAGE], "flt": flt, "page": page, "query": query,
        "more": len(rows) > HISTORY_PAGE})


@router.get("/analyses/{job_id}", include_in_schema=False)
def analysis_page(request: Request, job_id: str) -> Response:
    """Return the report of a finished analysis, or the progress of a running one."""
    job = _job_or_404(request, job_id)
    if job.status != "done":
        return render(request, "job.html.j2", {"job": job, "words": STAGE_WORDS})
    return render(request, "report.html.j2", {"job": job, "body": report_body(request, job)})


@router.post("/analyses/{job_id}/cancel", include_in_schema=False)
def cancel_page(request: Request, job_id: str) -> Response:
    """Cancel from the progress page."""
    _job_or_404(request, job_id)
    request.app.state.runner.cancel(job_id)
    return RedirectResponse(f"/analyses/{job_id}", status_code=303)


@router.post("/analyses/{job_id}/delete", include_in_schema=False)
def delete_page(request: Request, job_id: str) -> Response:
    """Delete from the history page; the files go too."""
    delete_analysis(request, job_id)
    return RedirectResponse("/analyses", status_code=303)


@router.get("/compare", include_in_schema=False)
def compare_page(request: Request, a: str = "", b: str = "") -> Response:
    """Two analyses side by side: per-rep metrics and faults."""
    done = jobs.list_jobs(_db(request), jobs.JobFilter(), limit=200)
    done = [j for j in done if j.status == "done"]
    if not (a and b):
        return render(request, "compare.html.j2", {"choices": done, "sides": None})
    sides = [(_job_or_404(request, x), load_analysis(request, _job_or_404(request, x)))
             for x in (a, b)]
    return render(request, "compare.html.j2", {"choices": done, "sides": sides,
                                               "rows": compare_rows([p for _, p in sides])})


def compare_rows(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the comparison table: one row per (rep, metric), a cell per analysis."""
    keys: list[str] = []
    for p in payloads:
        for r in p.get("reps", []):
            keys.extend(k for k in r.get("metrics", {}) if k not in keys)
    n = max((len(p.get("reps", [])) for p in payloads), default=0)
    rows = []
    for i in range(n):
        for k in keys:
            cells = []
            for p in payloads:
                reps = p.get("reps", [])
                m = reps[i]["metrics"].get(k) if i < len(reps) else None
                cells.append(format_metric(Metric(m["value"], m["unit"])) if m else "-")
            if any(c != "-" for c in cells):
                rows.append({"rep": i + 1, "metric": metric_title(k), "cells": cells})
    return rows


@router.get("/files/{job_id}/{name}", include_in_schema=False)
def job_file(request: Request, job_id: str, name: str) -> Response:
    """Serve one file of a job, by job id and a known file name only."""
    job = jobs.get_job(_db(request), job_id)
    kind = SERVED.get(name) or SERVED_SUFFIXES.get(Path(name).suffix)
    plain = name.replace("_", "").replace("-", "").replace(".", "").isalnum()
    if job is None or kind is None or not plain or name.count(".") != 1:
        raise WebError(404, "no such file")
    path = jobs.job_dir(_settings(request).data_dir, job.id) / "report" / name
    if not path.is_file() or path.is_symlink():
        raise WebError(404, "no such file")
    return FileResponse(path, media_type=kind)


# ---- API ---------------------------------------------------------------------------------

@router.post("/api/analyses", status_code=202, tags=["analyses"])
async def upload_api(request: Request) -> JSONResponse:
    """Upload a video (multipart field ``video``; fields lift, style, height_cm, thresholds).

    Returns the queued job; poll ``/api/jobs/{id}`` for its progress.
    """
    job_id = await accept_upload(request)
    job = jobs.get_job(_db(request), job_id)
    assert job is not None
    return JSONResponse(job_json(job), status_code=202)


@router.get("/api/jobs/{job_id}", tags=["analyses"])
def job_api(request: Request, job_id: str) -> dict[str, Any]:
    """Return a job's status, stage, percent done and seconds left."""
    return job_json(_job_or_404(request, job_id))


@router.post("/api/jobs/{job_id}/cancel", tags=["analyses"])
def cancel_api(request: Request, job_id: str) -> dict[str, Any]:
    """Cancel a queued or running job."""
    _job_or_404(request, job_id)
    if not request.app.state.runner.cancel(job_id):
        raise WebError(409, "expected a queued or running job; this one has finished")
    return job_json(_job_or_404(request, job_id))


@router.get("/api/analyses", tags=["analyses"])
def history_api(request: Request, lift: str | None = None, date_from: str | None = None,
                date_to: str | None = None, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0, le=1_000_000)) -> dict[str, Any]:
    """Return the stored analyses, newest first (filter by lift and upload date)."""
    rows = jobs.list_jobs(_db(request), _filter(lift, date_from, date_to), limit, offset)
    return {"items": [job_json(j) for j in rows]}


@router.get("/api/analyses/{job_id}", tags=["analyses"])
def analysis_api(request: Request, job_id: str) -> dict[str, Any]:
    """Return the analysis JSON (schema formcheck.analysis/1) of a finished job."""
    return load_analysis(request, _job_or_404(request, job_id))


@router.delete("/api/analyses/{job_id}", tags=["analyses"])
def delete_analysis(request: Request, job_id: str) -> dict[str, Any]:
    """Delete an analysis and its files (a running job is cancelled first)."""
    job = _job_or_404(request, job_id)
    if job.status in jobs.ACTIVE:
        request.app.state.runner.cancel(job_id)
    jobs.delete_job(_db(request), _settings(request).data_dir, job_id)
    return {"deleted": job_id}
