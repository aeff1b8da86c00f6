"""The jobs table: one row per uploaded video, from queued to done, failed or cancelled.

Every change is one transaction; the server (queue, pages) and the worker processes
(progress, outcome) share the rows through the training-log database.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from formcheck.log.db import LogDatabase
from formcheck.log.models import VideoAnalysis, WebJob

STATUSES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")
MAX_ATTEMPTS = 2  # a job cut off by a restart is re-queued once, then marked failed


def now() -> dt.datetime:
    """Return the current time as naive UTC (how the log stores times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_job_id() -> str:
    """Return a fresh job id: 32 hex characters, the only name a job's files are served by."""
    return secrets.token_hex(16)


def is_job_id(value: str) -> bool:
    """Return True when ``value`` has the shape of a job id (and so is safe in a path)."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def job_dir(data_dir: Path, job_id: str) -> Path:
    """Return the folder of a job's files (raises ValueError for a malformed id)."""
    if not is_job_id(job_id):
        raise ValueError(f"expected a 32-hex-digit job id, got {job_id!r}")
    return Path(data_dir) / "jobs" / job_id


@dataclass(frozen=True)
class JobFilter:
    """History filter: lift and a date range (local dates of upload, inclusive)."""

    lift: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def create_job(db: LogDatabase, job_id: str, *, filename: str, size_bytes: int,
               duration_s: float, options: dict[str, Any]) -> None:
    """Store a queued job for a video already moved into its folder."""
    t = now()
    with db.transaction() as s:
        s.add(WebJob(id=job_id, created_at=t, updated_at=t, status="queued", stage="queued",
                     percent=0.0, eta_s=None, message="", filename=filename[:255],
                     size_bytes=size_bytes, duration_s=duration_s, options=options,
                     attempts=0))


def get_job(db: LogDatabase, job_id: str) -> WebJob | None:
    """Return the job, or None when there is no such job."""
    if not is_job_id(job_id):
        return None
    with db.transaction() as s:
        return s.get(WebJob, job_id)


def list_jobs(db: LogDatabase, flt: JobFilter, limit: int = 50, offset: int = 0) -> list[WebJob]:
    """Return jobs newest first, filtered by lift and upload date."""
    q = select(WebJob).order_by(WebJob.created_at.desc()).limit(limit).offset(offset)
    if flt.lift:
        q = q.where(WebJob.lift == flt.lift)
    if flt.date_from:
        q = q.where(WebJob.created_at >= dt.datetime.combine(flt.date_from, dt.time()))
    if flt.date_to:
        end = dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time())
        q = q.where(WebJob.created_at < end)
    with db.transaction() as s:
        return list(s.scalars(q))


def count_active(db: LogDatabase) -> dict[str, int]:
    """Return the number of queued and running jobs."""
    with db.transaction() as s:
        rows = s.execute(select(WebJob.status, func.count()).where(WebJob.status.in_(ACTIVE))
                         .group_by(WebJob.status)).all()
    return {status: n for status, n in rows}


def claim_next(db: LogDatabase) -> WebJob | None:
    """Mark the oldest queued job running and return it (None when the queue is empty)."""
    with db.transaction() as s:
        for job_id in s.scalars(select(WebJob.id).where(WebJob.status == "queued")
                                .order_by(WebJob.created_at).limit(5)):
            t = now()
            done = s.execute(update(WebJob).where(WebJob.id == job_id,
                                                  WebJob.status == "queued")
                             .values(status="running", stage="starting", started_at=t,
                                     updated_at=t, attempts=WebJob.attempts + 1))
            if done.rowcount == 1:  # type: ignore[attr-defined]
                return s.get(WebJob, job_id)
    return None


def set_progress(db: LogDatabase, job_id: str, stage: str, percent: float,
                 eta_s: float | None) -> bool:
    """Record a running job's progress; return False when it is no longer running."""
    with db.transaction() as s:
        done = s.execute(update(WebJob).where(WebJob.id == job_id, WebJob.status == "running")
                         .values(stage=stage, percent=round(percent, 1), eta_s=eta_s,
                                 updated_at=now()))
        return bool(done.rowcount)  # type: ignore[attr-defined]


def finish_job(db: LogDatabase, job_id: str, *, lift: str, reps: int, faults: int,
               summary: dict[str, Any], analysis_id: int | None) -> None:
    """Mark a running job done, with what the history page shows."""
    t = now()
    with db.transaction() as s:
        s.execute(update(WebJob).where(WebJob.id == job_id, WebJob.status == "running")
                  .values(status="done", stage="done", percent=100.0, eta_s=0.0, lift=lift,
                          reps=reps, faults=faults, summary=summary, analysis_id=analysis_id,
                          finished_at=t, updated_at=t))


def fail_job(db: LogDatabase, job_id: str, message: str, status: str = "failed") -> bool:
    """Mark a queued or running job failed (or cancelled) with its reason; False if it was not."""
    t = now()
    with db.transaction() as s:
        done = s.execute(update(WebJob).where(WebJob.id == job_id, WebJob.status.in_(ACTIVE))
                         .values(status=status, stage=status, message=message, eta_s=None,
                                 finished_at=t, updated_at=t))
        return bool(done.rowcount)  # type: ignore[attr-defined]


def recover_after_restart(db: LogDatabase) -> list[tuple[str, str]]:
    """Return (job id, new status) for the jobs a stopped server left running.

    A job cut off once goes back to the queue; one cut off ``MAX_ATTEMPTS`` times is marked
    failed with the reason. None is ever left looking done or running.
    """
    out = []
    with db.transaction() as s:
        for job in s.scalars(select(WebJob).where(WebJob.status == "running")):
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.stage = "failed", "failed"
                job.message = (f"the server stopped while this job ran ({job.attempts} times); "
                               "upload the video again")
                job.finished_at = now()
            else:
                job.status, job.stage, job.percent, job.eta_s = "queued", "queued", 0.0, None
                job.message = "re-queued: the server stopped while this job ran"
            job.updated_at = now()
            out.append((job.id, job.status))
    return out


def delete_job(db: LogDatabase, data_dir: Path, job_id: str) -> bool:
    """Delete a finished job, its stored analysis and its files; return False if none."""
    with db.transaction() as s:
        job = s.get(WebJob, job_id) if is_job_id(job_id) else None
        if job is None:
            return False
        analysis_id = job.analysis_id
        s.execute(delete(WebJob).where(WebJob.id == job_id))
        if analysis_id is not None:
            others = s.scalar(select(func.count()).select_from(WebJob)
                              .where(WebJob.analysis_id == analysis_id))
            if not others:
                row = s.get(VideoAnalysis, analysis_id)
                if row is not None:
                    s.delete(row)
    shutil.rmtree(job_dir(data_dir, job_id), ignore_errors=True)
    return True
