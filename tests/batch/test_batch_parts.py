"""The batch's pieces without the pose model: finding clips, planning, tables, results."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from formcheck.batch.jobs import ClipResult, find_clips, plan_jobs
from formcheck.batch.run import BatchSummary, BatchWriter, run_batch, tally_folder
from formcheck.batch.tables import CLIPS_SCHEMA, PartWriter, done_hashes, read_table
from formcheck.errors import BatchError


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_find_clips_takes_files_folders_and_globs_once_each(tmp_path: Path) -> None:
    a = _touch(tmp_path / "a" / "one.mp4")
    b = _touch(tmp_path / "a" / "deep" / "two.MOV")
    _touch(tmp_path / "a" / "notes.txt")
    c = _touch(tmp_path / "c" / "three.mp4")
    found = find_clips([tmp_path / "a", str(tmp_path / "c" / "*.mp4"), a])
    assert sorted(found) == sorted([a.resolve(), b.resolve(), c.resolve()])


def test_find_clips_names_every_input_that_matches_nothing(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match=r"got nothing for '.*nope\.mp4', '.*\*\.mov'"):
        find_clips([tmp_path / "nope.mp4", str(tmp_path / "*.mov")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="got nothing for"):
        find_clips([tmp_path / "empty"])


def test_plan_gives_same_stem_clips_distinct_names_and_drops_duplicate_content() -> None:
    paths = [Path("/x/squat.mp4"), Path("/y/squat.mp4"), Path("/z/copy.mp4")]
    hashes = {"/x/squat.mp4": "a" * 64, "/y/squat.mp4": "b" * 64, "/z/copy.mp4": "a" * 64}
    jobs, dups = plan_jobs(paths, hashes)
    assert [j.name for j in jobs] == ["squat-aaaaaaaa", "squat-bbbbbbbb"]
    assert dups == ["/z/copy.mp4"]


def _result(sha: str, status: str = "ok") -> ClipResult:
    return ClipResult(
        name=f"clip{sha}",
        path=f"/c/{sha}.mp4",
        sha256=sha,
        status=status,
        error_type="" if status == "ok" else "CorruptVideoError",
        reps=2 if status == "ok" else 0,
        faults=["forward_lean", "forward_lean"] if status == "ok" else [],
        analysis_json='{"schema": "formcheck.analysis/1"}' if status == "ok" else "",
        rep_rows=[
            {
                "clip": f"clip{sha}",
                "sha256": sha,
                "rep": 1,
                "lift": "squat",
                "view": "side",
                "clip_view": "side",
                "start_s": 0.0,
                "bottom_s": 1.0,
                "end_s": 2.0,
                "partial": False,
                "metrics": {"knee_min_deg": 80.0},
                "faults": ["forward_lean"],
            }
        ]
        if status == "ok"
        else [],
    )


def test_result_round_trips_through_json() -> None:
    r = _result("s1")
    assert ClipResult.from_json(r.to_json()) == r


def test_part_writer_flushes_whole_files_and_reads_back(tmp_path: Path) -> None:
    from formcheck.batch.tables import clip_row

    w = PartWriter(tmp_path / "clips", CLIPS_SCHEMA, "run", flush_rows=2, flush_s=3600)
    w.add([clip_row(_result("s1"), "run", "analyses/clips1.json")])
    assert read_table(tmp_path / "clips", CLIPS_SCHEMA).num_rows == 0  # still buffered
    w.add([clip_row(_result("s2", "failed"), "run", "")])
    assert read_table(tmp_path / "clips", CLIPS_SCHEMA).num_rows == 2  # flushed at 2
    (tmp_path / "clips" / ".part-x.parquet.tmp").write_bytes(b"half a file")  # ignored
    assert done_hashes(tmp_path) == {"s1", "s2"}
    table = read_table(tmp_path / "clips", CLIPS_SCHEMA)
    assert table.schema.field("faults").type == pa.list_(pa.string())


def test_writer_records_each_clip_once_and_summary_counts(tmp_path: Path) -> None:
    w = BatchWriter(tmp_path)
    assert w.record(_result("s1")) is True
    assert w.record(_result("s1")) is False  # a retried block hands it back again
    assert w.record(_result("s2", "failed")) is True
    w.close()
    assert (tmp_path / "analyses" / "clips1.json").exists()
    assert not (tmp_path / "analyses" / "clips2.json").exists()
    rows = read_table(tmp_path / "clips", CLIPS_SCHEMA).to_pylist()
    assert sorted(r["sha256"] for r in rows) == ["s1", "s2"]
    s = BatchSummary(out=tmp_path)

    tally_folder(s)
    assert (s.ok, s.failed, s.reps, s.faults["forward_lean"], s.errors["CorruptVideoError"]) == (
        1,
        1,
        2,
        2,
        1,
    )


def test_bad_batch_arguments_raise_named_errors(tmp_path: Path) -> None:
    clip = _touch(tmp_path / "a.mp4")
    with pytest.raises(BatchError, match=r"backend: expected one of \('local', 'ray'\), got 'x'"):
        run_batch([clip], tmp_path / "out", backend="x")
    with pytest.raises(BatchError, match="--workers: expected 1 or more, got -1"):
        run_batch([clip], tmp_path / "out", workers=-1)


def test_newest_row_of_a_retried_clip_counts(tmp_path: Path) -> None:
    from formcheck.batch.tables import clip_row, latest_clip_rows

    first = PartWriter(tmp_path / "clips", CLIPS_SCHEMA, "20260101T000000000001", 1, 3600)
    first.add([clip_row(_result("s1", "failed"), "20260101T000000000001", "")])
    assert done_hashes(tmp_path, include_failed=False) == set()
    assert done_hashes(tmp_path) == {"s1"}
    second = PartWriter(tmp_path / "clips", CLIPS_SCHEMA, "20260101T000000000002", 1, 3600)
    second.add([clip_row(_result("s1"), "20260101T000000000002", "analyses/clips1.json")])
    assert latest_clip_rows(tmp_path)["s1"]["status"] == "ok"
    assert done_hashes(tmp_path, include_failed=False) == {"s1"}
    s = BatchSummary(out=tmp_path)
    tally_folder(s)
    assert (s.ok, s.failed) == (1, 0)
