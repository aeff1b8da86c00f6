"""The batch's Parquet tables (clips, reps), written incrementally and read back to resume.

Each table is a folder of Parquet files: every flush writes one new file under a hidden
temporary name and renames it into place, so a run stopped at any moment leaves only whole
files, and a reader (``pyarrow.dataset``, ``pandas.read_parquet(folder)``, DuckDB) sees every
clip flushed so far. A flush happens every ``flush_rows`` rows or ``flush_s`` seconds.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from formcheck.batch.jobs import ClipResult

CLIPS_SCHEMA = pa.schema(
    [
        ("clip", pa.string()),
        ("path", pa.string()),
        ("sha256", pa.string()),
        ("status", pa.string()),  # ok | failed
        ("error_type", pa.string()),
        ("error", pa.string()),
        ("lift", pa.string()),
        ("view", pa.string()),
        ("reps", pa.int32()),
        ("n_faults", pa.int32()),
        ("faults", pa.list_(pa.string())),
        ("seconds", pa.float64()),  # wall time of the clip in its worker
        ("pose_s", pa.float64()),  # of which decode + pose model (or reading the cache)
        ("analysis_s", pa.float64()),  # and the analysis stages after it
        ("pose_cached", pa.bool_()),
        ("worker", pa.string()),  # host:pid
        ("finished_at", pa.timestamp("s", tz="UTC")),
        ("run_id", pa.string()),
        ("json", pa.string()),  # the analysis JSON's path relative to the output folder
    ]
)
REPS_SCHEMA = pa.schema(
    [
        ("clip", pa.string()),
        ("sha256", pa.string()),
        ("rep", pa.int32()),
        ("lift", pa.string()),
        ("view", pa.string()),
        ("clip_view", pa.string()),
        ("start_s", pa.float64()),
        ("bottom_s", pa.float64()),
        ("end_s", pa.float64()),
        ("partial", pa.bool_()),
        ("metrics", pa.map_(pa.string(), pa.float64())),  # value in the metric's own unit
        ("faults", pa.list_(pa.string())),
    ]
)


def clip_row(result: ClipResult, run_id: str, json_rel: str) -> dict[str, Any]:
    """Return the clips-table row of a result."""
    return {
        "clip": result.name,
        "path": result.path,
        "sha256": result.sha256,
        "status": result.status,
        "error_type": result.error_type,
        "error": result.error,
        "lift": result.lift,
        "view": result.view,
        "reps": result.reps,
        "n_faults": len(result.faults),
        "faults": result.faults,
        "seconds": result.seconds,
        "pose_s": result.pose_s,
        "analysis_s": round(max(0.0, result.seconds - result.pose_s), 3),
        "pose_cached": result.pose_cached,
        "worker": result.worker,
        "finished_at": int(time.time()),
        "run_id": run_id,
        "json": json_rel,
    }


class PartWriter:
    """Buffer rows of one table and write them as whole Parquet files into its folder."""

    def __init__(
        self, folder: Path, schema: pa.Schema, run_id: str, flush_rows: int, flush_s: float
    ) -> None:
        self.folder = folder
        self.schema = schema
        self.run_id = run_id
        self.flush_rows = flush_rows
        self.flush_s = flush_s
        self.rows: list[dict[str, Any]] = []
        self.parts = 0
        self.last_flush = time.monotonic()
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Buffer ``rows``; flush when the buffer is full or old enough."""
        self.rows.extend(rows)
        due = time.monotonic() - self.last_flush >= self.flush_s
        if len(self.rows) >= self.flush_rows or (due and self.rows):
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one new Parquet file (nothing when the buffer is empty)."""
        self.last_flush = time.monotonic()
        if not self.rows:
            return
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        final = self.folder / f"part-{self.run_id}-{self.parts:05d}.parquet"
        tmp = self.folder / f".{final.name}.{uuid.uuid4().hex[:6]}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, final)  # atomic: readers see a whole file or none
        self.parts += 1
        self.rows = []


def read_table(folder: Path, schema: pa.Schema) -> pa.Table:
    """Return every row written to a table folder so far (an empty table when there is none)."""
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return schema.empty_table()
    return pads.dataset(folder, schema=schema, format="parquet").to_table()


def latest_clip_rows(out: Path) -> dict[str, dict[str, Any]]:
    """Return the newest clips-table row of each content hash (a retried clip has several)."""
    rows = read_table(out / "clips", CLIPS_SCHEMA).to_pylist()
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["run_id"], r["finished_at"])):
        latest[row["sha256"]] = row
    return latest


def done_hashes(out: Path, *, include_failed: bool = True) -> set[str]:
    """Return the content hashes of the clips an earlier run finished (ok, or also failed)."""
    return {
        sha for sha, row in latest_clip_rows(out).items() if include_failed or row["status"] == "ok"
    }
