"""One clip of a batch: finding the clips, naming their outputs, and analysing one of them.

:func:`analyze_clip` is what every backend's worker runs (a local process, a Ray actor): it
calls :func:`formcheck.pipeline.analyze_video` and turns the outcome - an analysis or a named
error - into a :class:`ClipResult` that the driver writes. Workers never write files, so a
worker killed half-way leaves nothing behind and its clip can simply run again.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from formcheck.errors import BatchError

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")


@dataclass(frozen=True)
class ClipJob:
    """A clip to analyse: where it is, its content hash and the stem its outputs carry."""

    path: str
    sha256: str
    name: str  # output stem: the clip's stem, plus a hash prefix when two clips share it


@dataclass
class ClipResult:
    """What a worker returns for one clip: status, the analysis JSON and the table rows."""

    name: str
    path: str
    sha256: str
    status: str  # "ok" | "failed"
    error_type: str = ""
    error: str = ""
    lift: str = ""
    view: str = ""
    reps: int = 0
    faults: list[str] = field(default_factory=list)  # fault ids, one per finding
    seconds: float = 0.0  # the whole clip in its worker
    pose_s: float = 0.0  # decode + pose model (or the cache read), to the last frame
    pose_cached: bool = False
    worker: str = ""
    analysis_json: str = ""
    parts_json: list[str] = field(default_factory=list)
    rep_rows: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        """Return the result as one JSON string (how it crosses a Ray Data batch)."""
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> ClipResult:
        """Return the result that :meth:`to_json` wrote."""
        return cls(**json.loads(text))


def find_clips(inputs: Iterable[str | Path]) -> list[Path]:
    """Return the video files named by paths, folders (searched recursively) and globs.

    Raises
    ------
    BatchError
        When an input matches nothing, or no video is found at all (all inputs listed).
    """
    found: dict[str, Path] = {}
    missing = []
    for raw in inputs:
        text = str(raw)
        p = Path(text)
        if p.is_dir():
            hits = [q for q in sorted(p.rglob("*")) if q.suffix.lower() in VIDEO_SUFFIXES]
        elif p.exists():
            hits = [p]  # named explicitly: the pose stage judges whether it is a video
        else:
            hits = [Path(g) for g in sorted(glob.glob(text, recursive=True)) if Path(g).is_file()]
        if not hits:
            missing.append(text)
        for h in hits:
            found.setdefault(str(h.resolve()), h.resolve())
    if missing:
        raise BatchError(
            "PATHS: expected video files, folders or globs that match files, got nothing for "
            + ", ".join(repr(m) for m in missing)
        )
    if not found:
        raise BatchError("PATHS: expected at least one video file, found none")
    return list(found.values())


def plan_jobs(paths: Iterable[Path], hashes: dict[str, str]) -> tuple[list[ClipJob], list[str]]:
    """Return one job per distinct content (and the paths skipped as duplicates of another).

    ``hashes`` maps each path to its SHA-256. Output stems are the clip stems; two different
    clips with the same stem get ``STEM-HASH8`` so neither overwrites the other.
    """
    by_sha: dict[str, Path] = {}
    duplicates = []
    for p in paths:
        sha = hashes[str(p)]
        if sha in by_sha:
            duplicates.append(str(p))
        else:
            by_sha[sha] = p
    stems: dict[str, int] = {}
    for p in by_sha.values():
        stems[p.stem] = stems.get(p.stem, 0) + 1
    jobs = [
        ClipJob(str(p), sha, p.stem if stems[p.stem] == 1 else f"{p.stem}-{sha[:8]}")
        for sha, p in by_sha.items()
    ]
    return jobs, duplicates


def worker_id() -> str:
    """Return ``host:pid`` of the process running a clip (recorded in the clips table)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def analyze_clip(job: ClipJob, options: Any) -> ClipResult:
    """Return the result of analysing one clip; a failure is a ``failed`` result, never raised.

    ``options`` is a resolved :class:`formcheck.pipeline.AnalysisOptions`.
    """
    from formcheck.output import analysis_json
    from formcheck.pipeline import analyze_video

    started = time.perf_counter()
    base: dict[str, Any] = {
        "name": job.name,
        "path": job.path,
        "sha256": job.sha256,
        "worker": worker_id(),
    }
    pose_done = [started]

    def progress(done: int, total: int) -> None:
        if done >= total:
            pose_done[0] = time.perf_counter()  # the last frame's call ends the pose pass

    try:
        analysis = analyze_video(job.path, options, progress=progress)
    # One clip's failure must not stop the others: every exception becomes a status row
    # that names it (formcheck's own errors carry the expected-vs-received message).
    except Exception as exc:
        return ClipResult(
            **base,
            status="failed",
            error_type=type(exc).__name__,
            error=str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc),
            seconds=round(time.perf_counter() - started, 3),
        )
    history = analysis.track.history if analysis.track is not None else []
    return ClipResult(
        **base,
        status="ok",
        lift=analysis.lift,
        view=analysis.view.view,
        reps=len(analysis.reps),
        faults=[f.id for f in analysis.faults],
        seconds=round(time.perf_counter() - started, 3),
        pose_s=round(pose_done[0] - started, 3),
        pose_cached=any("loaded from cache" in h for h in history),
        analysis_json=analysis_json(analysis),
        parts_json=[analysis_json(p) for p in analysis.parts],
        rep_rows=rep_rows(job, analysis),
    )


def rep_rows(job: ClipJob, analysis: Any) -> list[dict[str, Any]]:
    """Return one row per rep: clip, lift, views, timing, metrics and fault ids.

    ``view`` is the view of the part of the clip the rep's bottom falls in (the clip's own
    view when it does not change view); ``clip_view`` is the whole clip's.
    """
    rows = []
    for rep in analysis.reps:
        metrics = {
            k: float(m.value)
            for k, m in rep.metrics.items()
            if isinstance(m.value, int | float) and m.value == m.value  # NaN is left out
        }
        rows.append(
            {
                "clip": job.name,
                "sha256": job.sha256,
                "rep": rep.index,
                "lift": analysis.lift,
                "view": _view_at(analysis, rep.bottom_s),
                "clip_view": analysis.view.view,
                "start_s": rep.start_s,
                "bottom_s": rep.bottom_s,
                "end_s": rep.end_s,
                "partial": rep.partial,
                "metrics": metrics,
                "faults": sorted({f.id for f in rep.faults}),
            }
        )
    return rows


def _view_at(analysis: Any, t: float) -> str:
    for part in analysis.parts:
        times = part.times_s
        if times is not None and len(times) and times[0] <= t <= times[-1]:
            return str(part.view.view)
    return str(analysis.view.view)
