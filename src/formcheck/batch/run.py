"""Run a batch: find the clips, skip the finished ones, analyse the rest, write every output.

The driver (this module) owns every file of the output folder::

    OUT/analyses/STEM.json        one analysis per clip (STEM.partN.json per view part)
    OUT/clips/part-*.parquet      one row per clip: status, error, reps, faults, timings
    OUT/reps/part-*.parquet       one row per rep: clip, lift, view, metrics, faults
    OUT/summary.csv               clips ok/failed, reps, faults by frequency, errors by name

Workers only compute (:func:`formcheck.batch.jobs.analyze_clip`), so the output is the same
whichever backend ran the clips, and a re-run skips every clip whose content hash is in
``OUT/clips`` (the pose cache makes anything that does run again fast).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.batch.jobs import ClipJob, ClipResult, find_clips, plan_jobs
from formcheck.batch.tables import (
    CLIPS_SCHEMA,
    REPS_SCHEMA,
    PartWriter,
    clip_row,
    done_hashes,
    latest_clip_rows,
)
from formcheck.errors import BatchError

BACKENDS = ("local", "ray")


@dataclass
class BatchSummary:
    """What a batch run did, and the state of the whole output folder after it."""

    out: Path
    analysed: int = 0  # clips this run analysed (ok or failed)
    skipped: int = 0  # clips an earlier run had finished
    duplicates: list[str] = field(default_factory=list)  # paths whose content came twice
    ok: int = 0  # over the whole output folder
    failed: int = 0
    reps: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def rows(self) -> list[tuple[str, str, int | float]]:
        """Return ``(section, name, value)`` rows: the summary table and ``summary.csv``."""
        rows: list[tuple[str, str, int | float]] = [
            ("clips", "ok", self.ok),
            ("clips", "failed", self.failed),
            ("clips", "analysed this run", self.analysed),
            ("clips", "skipped (done before)", self.skipped),
            ("clips", "duplicate content", len(self.duplicates)),
            ("reps", "total", self.reps),
        ]
        rows += [("fault", fid, n) for fid, n in self.faults.most_common()]
        rows += [("error", name, n) for name, n in self.errors.most_common()]
        rows.append(("time", "seconds this run", round(self.seconds, 1)))
        return rows


class BatchWriter:
    """Record each clip's result once: its JSON files, its table rows, the training log."""

    def __init__(
        self, out: Path, *, db: str | None = None, flush_rows: int = 50, flush_s: float = 20.0
    ) -> None:
        self.out = out
        self.run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + uuid.uuid4().hex[:4]
        self.clips = PartWriter(out / "clips", CLIPS_SCHEMA, self.run_id, flush_rows, flush_s)
        self.reps = PartWriter(out / "reps", REPS_SCHEMA, self.run_id, flush_rows * 10, flush_s)
        (out / "analyses").mkdir(parents=True, exist_ok=True)
        self.seen: set[str] = set()
        self.db = _open_log(db)

    def record(self, result: ClipResult) -> bool:
        """Write ``result`` and return True; return False for a clip already recorded."""
        if result.sha256 in self.seen:
            return False  # a retried Ray block can hand the same clip back twice
        self.seen.add(result.sha256)
        json_rel = ""
        if result.status == "ok":
            json_rel = f"analyses/{result.name}.json"
            _write_text(self.out / json_rel, result.analysis_json)
            for i, part in enumerate(result.parts_json, start=1):
                _write_text(self.out / f"analyses/{result.name}.part{i}.json", part)
            if self.db is not None:
                _store_in_log(self.db, result)
        self.reps.add(result.rep_rows)
        self.clips.add([clip_row(result, self.run_id, json_rel)])
        return True

    def close(self) -> None:
        """Flush both tables and close the training log."""
        self.reps.flush()
        self.clips.flush()
        if self.db is not None:
            self.db.close()


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _open_log(db: str | None) -> Any:
    if db is None:
        return None
    from formcheck.log.db import open_database

    return open_database(db)


def _store_in_log(db: Any, result: ClipResult) -> None:
    """Store an analysis in the training log, dated by the clip file's modification time."""
    import json

    from formcheck.log import records

    when = dt.datetime.fromtimestamp(Path(result.path).stat().st_mtime, dt.UTC)
    local_date = dt.datetime.fromtimestamp(Path(result.path).stat().st_mtime).date()
    records.add_analysis(db, json.loads(result.analysis_json), when, local_date)


def hash_clips(paths: Iterable[Path]) -> tuple[dict[str, str], list[ClipResult]]:
    """Return ``{path: sha256}`` and a failed result for each file that cannot be read."""
    from formcheck.capture.video import file_sha256

    hashes: dict[str, str] = {}
    unreadable = []
    for p in paths:
        try:
            hashes[str(p)] = file_sha256(p)
        except OSError as exc:
            unreadable.append(
                ClipResult(
                    name=p.stem,
                    path=str(p),
                    sha256=f"unreadable:{p}",
                    status="failed",
                    error_type="InputFileError",
                    error=f"expected a readable file, got {exc.strerror}: {p}",
                )
            )
    return hashes, unreadable


def run_batch(
    inputs: Iterable[str | Path],
    out: str | Path,
    options: Any = None,
    *,
    backend: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    db: str | None = None,
    retry_failed: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[ClipResult], None] | None = None,
) -> BatchSummary:
    """Analyse every clip named by ``inputs`` into ``out`` and return the summary.

    Parameters
    ----------
    inputs : iterable of str or Path
        Video files, folders (searched recursively) and globs.
    out : str or Path
        The output folder; a clip whose content hash it already lists is skipped.
    options : AnalysisOptions, optional
        The analysis options of every clip (checked once, here).
    backend : {"local", "ray"}
        A local process pool, or Ray Data on the cluster at ``ray_address``.
    workers : int, optional
        Processes (default this machine's cores) or actors (default the cluster's CPUs).
    db : str, optional
        Also store each analysis in this training-log database.
    retry_failed : bool
        Run clips whose last result was ``failed`` again (their newest row counts).
    on_start, on_result : callable, optional
        ``on_start(to_run, skipped)`` once, ``on_result(result)`` per recorded clip.

    Raises
    ------
    BatchError
        Unknown backend, bad worker count, or inputs that match no file.
    """
    from formcheck.pipeline import AnalysisOptions

    started = time.perf_counter()
    if backend not in BACKENDS:
        raise BatchError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    if workers is not None and workers < 1:
        raise BatchError(f"--workers: expected 1 or more, got {workers}")
    opts = (options or AnalysisOptions()).resolved()
    out = Path(out)
    paths = find_clips(inputs)
    hashes, unreadable = hash_clips(paths)
    jobs, duplicates = plan_jobs([p for p in paths if str(p) in hashes], hashes)
    done = done_hashes(out, include_failed=not retry_failed)
    todo = [j for j in jobs if j.sha256 not in done]
    summary = BatchSummary(out=out, skipped=len(jobs) - len(todo), duplicates=duplicates)
    if on_start is not None:
        on_start(len(todo) + len(unreadable), summary.skipped)
    writer = BatchWriter(out, db=db)

    def record(result: ClipResult) -> None:
        if writer.record(result):
            summary.analysed += 1
            if on_result is not None:
                on_result(result)

    try:
        for bad in unreadable:
            record(bad)
        _dispatch(todo, opts, backend, workers, ray_address, record)
    finally:
        writer.close()
    tally_folder(summary)
    summary.seconds = time.perf_counter() - started
    write_summary_csv(summary, out / "summary.csv")
    return summary


def _dispatch(
    todo: list[ClipJob],
    opts: Any,
    backend: str,
    workers: int | None,
    ray_address: str | None,
    record: Callable[[ClipResult], None],
) -> None:
    if not todo:
        return
    if backend == "ray":
        from formcheck.batch.ray_backend import run_ray

        run_ray(todo, opts, workers, record, address=ray_address)
    else:
        from formcheck.batch.local import run_local

        run_local(todo, opts, min(workers or os.cpu_count() or 1, len(todo)), record)


def tally_folder(summary: BatchSummary) -> None:
    """Fill the folder-wide counts of ``summary`` from the clips table."""
    for row in latest_clip_rows(summary.out).values():
        if row["status"] == "ok":
            summary.ok += 1
            summary.reps += row["reps"] or 0
            summary.faults.update(row["faults"] or [])
        else:
            summary.failed += 1
            summary.errors[row["error_type"] or "unknown"] += 1


def write_summary_csv(summary: BatchSummary, path: Path) -> Path:
    """Write the summary rows (section, name, value) to ``path`` and return it."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "name", "value"])
        w.writerows(summary.rows())
    return path


def check_output_folder(out: Path) -> None:
    """Raise BatchError when ``out`` exists and is not a folder."""
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out: expected a folder, got a file: {out}")
