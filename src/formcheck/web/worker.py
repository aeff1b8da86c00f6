"""One analysis job in its own process: ``python -m formcheck.web.worker DB DATA_DIR JOB_ID``.

The server starts one of these per running job (so a crash or a cancel kills only this
process), and reads the progress it writes to the jobs table. It calls the same entry points
as ``formcheck analyze --out``: :func:`formcheck.pipeline.analyze_video`, then
:func:`formcheck.report.write_outputs`, and stores the analysis in the training log.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.log.db import LogDatabase, open_database
from formcheck.web import jobs

SOURCE_NAME = "source.video"
# Share of the bar for each stage: the pose pass dominates, drawing the video is next.
STAGES = {"pose": (0.0, 75.0), "render": (75.0, 97.0)}
MIN_WRITE_INTERVAL_S = 0.4  # progress writes per second stay low, whatever the frame rate


class Progress:
    """A ``progress(done, total)`` callback that writes stage, percent and time left."""

    def __init__(self, db: LogDatabase, job_id: str, stage: str) -> None:
        self.db, self.job_id, self.stage = db, job_id, stage
        self.started = time.monotonic()
        self.last = 0.0
        self.parent = os.getppid()

    def __call__(self, done: int, total: int) -> None:
        """Record ``done`` of ``total`` frames; stop the process if the job was cancelled."""
        if os.getppid() != self.parent:
            raise SystemExit(4)  # the server is gone; its successor re-queues this job
        t = time.monotonic()
        if t - self.last < MIN_WRITE_INTERVAL_S or total <= 0:
            return
        self.last = t
        low, high = STAGES[self.stage]
        frac = min(1.0, done / total)
        elapsed = t - self.started
        eta = elapsed * (1 - frac) / frac if frac > 0.02 else None
        if self.stage == "pose" and eta is not None:
            eta *= 1.3  # the render stage after it takes about a third of the pose pass
        if not jobs.set_progress(self.db, self.job_id, self.stage, low + frac * (high - low),
                                 None if eta is None else round(eta, 1)):
            raise SystemExit(3)  # cancelled (or taken away): stop without writing a result


def options_from(stored: dict[str, Any], cache_dir: str | None) -> Any:
    """Return the AnalysisOptions of a job from its stored options."""
    from formcheck.pipeline import AnalysisOptions

    return AnalysisOptions(
        lift=str(stored.get("lift") or "auto"),
        style=stored.get("style") or None,
        height_cm=stored.get("height_cm"),
        thresholds={str(k): float(v) for k, v in (stored.get("thresholds") or {}).items()},
        cache_dir=Path(cache_dir) if cache_dir else None,
    )


def named_source(folder: Path, filename: str) -> Path:
    """Return the job's video under the lifter's own (sanitised) file name, for the report.

    The upload is stored as ``source.video``; a hard link in ``input/`` gives it the name
    the report shows, without a second copy.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name).strip("._")[:100] or "video"
    named = folder / "input" / safe
    if not named.exists():
        named.parent.mkdir(exist_ok=True)
        try:
            os.link(folder / SOURCE_NAME, named)
        except OSError:  # a file system without hard links: the report shows source.video
            return folder / SOURCE_NAME
    return named


def run_job(db: LogDatabase, data_dir: Path, job_id: str, cache_dir: str | None) -> None:
    """Analyse the job's video, write its report files and mark it done (or failed)."""
    from formcheck.log import records
    from formcheck.output import analysis_json, write_json
    from formcheck.pipeline import analyze_video
    from formcheck.report import write_outputs
    from formcheck.report.page import fix_first

    job = jobs.get_job(db, job_id)
    if job is None or job.status != "running":
        return
    folder = jobs.job_dir(data_dir, job_id)
    source = named_source(folder, job.filename)
    jobs.set_progress(db, job_id, "pose", 0.0, None)
    analysis = analyze_video(source, options_from(job.options, cache_dir),
                             progress=Progress(db, job_id, "pose"))
    assert analysis.track is not None
    out = folder / "report"
    write_json(analysis, out / "analysis.json")
    write_outputs(analysis, analysis.track, source, out, progress=Progress(db, job_id, "render"))
    jobs.set_progress(db, job_id, "store", 98.0, 0.0)
    payload = json.loads(analysis_json(analysis))  # strict JSON, as the file has it
    when = jobs.now()
    analysis_id, _, _ = records.add_analysis(db, payload, when, when.date())
    summary = {"fix_first": fix_first(analysis), "view": analysis.view.view,
               "style": analysis.style, "notes": len(analysis.warnings)}
    jobs.finish_job(db, job_id, lift=analysis.lift, reps=len(analysis.reps),
                    faults=len(analysis.faults), summary=summary, analysis_id=analysis_id)


def main(argv: list[str]) -> int:
    """Run one job; return the process exit code (0 done, 1 failed, 3 cancelled)."""
    db_url, data_dir, job_id = argv[0], Path(argv[1]), argv[2]
    cache_dir = argv[3] if len(argv) > 3 and argv[3] else None
    db = open_database(db_url)
    try:
        run_job(db, data_dir, job_id, cache_dir)
    except FormcheckError as exc:
        jobs.fail_job(db, job_id, f"{type(exc).__name__}: {exc}")
        return 1
    except SystemExit:
        raise
    except Exception as exc:
        jobs.fail_job(db, job_id, f"internal error ({type(exc).__name__}): {exc}")
        raise
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
