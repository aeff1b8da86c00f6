"""formcheck batch on real shared clips: local pool, Ray Data, a killed worker, a corrupt clip.

The pose model runs on short deadlift clips (3.5-5 s each); the user's pose cache keeps their
tracks, so a re-run of this file mostly re-analyses cached tracks.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from formcheck.batch.jobs import ClipResult
from formcheck.batch.run import run_batch
from formcheck.batch.tables import CLIPS_SCHEMA, REPS_SCHEMA, read_table

pytestmark = [pytest.mark.clips, pytest.mark.slow]

SHORT = [
    "side_deadlift_good_a",
    "side_deadlift_good_b",
    "side_deadlift_good_neutral_back",
    "side_deadlift_bad_rounded_back",
    "side_deadlift_bad_overextended_lockout",
    "side_deadlift_bad_bar_far",
]
# Per-run fields: who ran the clip, when and how fast; everything else must match.
RUN_FIELDS = ("worker", "seconds", "pose_s", "analysis_s", "finished_at", "run_id", "pose_cached")


@pytest.fixture(scope="module")
def clips(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four short clips and a corrupt one (a real clip cut after 30 kB, in a temp folder)."""
    out = {name: shared_data / "clips" / f"{name}.mp4" for name in SHORT}
    broken = tmp_path_factory.mktemp("corrupt") / "cut_short.mp4"
    broken.write_bytes(out[SHORT[0]].read_bytes()[:30_000])
    out["cut_short"] = broken
    return out


def _inputs(clips: dict[str, Path]) -> list[Path]:
    return [clips[n] for n in SHORT[:4]] + [clips["cut_short"]]


def _killer(killed: list[int]) -> Callable[[ClipResult], None]:
    """Return an on_result callback that SIGKILLs the process that sent the first result."""

    def kill_first(r: ClipResult) -> None:
        if not killed:
            killed.append(int(r.worker.rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    return kill_first


def _clip_rows(out: Path) -> dict[str, dict[str, Any]]:
    rows = read_table(out / "clips", CLIPS_SCHEMA).to_pylist()
    return {r["clip"]: {k: v for k, v in r.items() if k not in RUN_FIELDS} for r in rows}


def _without_cache_note(path: Path) -> Any:
    """Return the analysis JSON without the history line saying its track came from the cache.

    Whether a run computed the track or found it in the user's pose cache depends on what ran
    before (the other backend fills the cache); everything else must be equal.
    """

    def drop(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items()}
        if isinstance(value, list):
            kept = [v for v in value if not str(v).startswith("pose: loaded from cache ")]
            return [drop(v) for v in kept]
        return value

    return drop(json.loads(path.read_text()))


@pytest.fixture(scope="module")
def local_out(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    summary = run_batch(_inputs(clips), out, workers=2)
    assert (summary.analysed, summary.skipped) == (5, 0)
    return out


def test_local_batch_writes_every_output(local_out: Path) -> None:
    rows = _clip_rows(local_out)
    assert sorted(rows) == sorted([*SHORT[:4], "cut_short"])
    assert all(rows[n]["status"] == "ok" and rows[n]["reps"] == 1 for n in SHORT[:4])
    timed = read_table(local_out / "clips", CLIPS_SCHEMA).to_pylist()
    assert all(0 < r["pose_s"] <= r["seconds"] and r["analysis_s"] > 0 for r in timed if r["reps"])
    for n in SHORT[:4]:
        doc = json.loads((local_out / "analyses" / f"{n}.json").read_text())
        assert doc["schema"] == "formcheck.analysis/1" and doc["lift"] == "deadlift"
    reps = read_table(local_out / "reps", REPS_SCHEMA).to_pylist()
    assert sorted(r["clip"] for r in reps) == sorted(SHORT[:4])
    assert all(r["lift"] == "deadlift" and r["metrics"] for r in reps)
    summary_csv = (local_out / "summary.csv").read_text()
    assert "clips,ok,4" in summary_csv and "error,CorruptVideoError,1" in summary_csv


def test_corrupt_clip_is_a_failed_row_with_the_named_error(local_out: Path) -> None:
    row = _clip_rows(local_out)["cut_short"]
    assert row["status"] == "failed" and row["error_type"] == "CorruptVideoError"
    assert "damaged" in row["error"] and row["json"] == ""
    assert not (local_out / "analyses" / "cut_short.json").exists()


def test_second_run_analyses_nothing_new(clips: dict[str, Path], local_out: Path) -> None:
    seen: list[ClipResult] = []
    summary = run_batch(_inputs(clips), local_out, workers=2, on_result=seen.append)
    assert (summary.analysed, summary.skipped, seen) == (0, 5, [])
    assert len(read_table(local_out / "clips", CLIPS_SCHEMA)) == 5


def test_retry_failed_runs_the_corrupt_clip_again_and_keeps_one_row(
    clips: dict[str, Path], local_out: Path
) -> None:
    summary = run_batch(_inputs(clips), local_out, workers=1, retry_failed=True)
    assert (summary.analysed, summary.skipped) == (1, 4)  # only the failed one
    assert (summary.ok, summary.failed) == (4, 1)  # its newest row replaces the old one


def test_local_worker_killed_mid_run_every_clip_once(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    killed: list[int] = []
    paths = [clips[n] for n in SHORT]
    summary = run_batch(paths, tmp_path, workers=2, on_result=_killer(killed))
    rows = read_table(tmp_path / "clips", CLIPS_SCHEMA).to_pylist()
    assert killed and summary.analysed == len(SHORT)
    assert sorted(r["clip"] for r in rows) == sorted(SHORT)  # each exactly once
    assert {r["status"] for r in rows} == {"ok"}
    assert len({r["worker"] for r in rows}) >= 3  # the broken pool was replaced


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_results_equal_local(
    ray_cluster: Any, clips: dict[str, Path], local_out: Path, tmp_path: Path
) -> None:
    summary = run_batch(_inputs(clips), tmp_path, backend="ray", workers=2)
    assert summary.analysed == 5
    assert _clip_rows(tmp_path) == _clip_rows(local_out)
    for n in SHORT[:4]:
        name = f"analyses/{n}.json"
        assert _without_cache_note(tmp_path / name) == _without_cache_note(local_out / name)
    key = lambda r: (r["clip"], r["rep"])  # noqa: E731
    ray_reps = sorted(read_table(tmp_path / "reps", REPS_SCHEMA).to_pylist(), key=key)
    local_reps = sorted(read_table(local_out / "reps", REPS_SCHEMA).to_pylist(), key=key)
    assert ray_reps == local_reps


def test_ray_actor_killed_mid_run_every_clip_once(
    ray_cluster: Any, clips: dict[str, Path], tmp_path: Path
) -> None:
    killed: list[int] = []
    paths = [clips[n] for n in SHORT]
    summary = run_batch(paths, tmp_path, backend="ray", workers=2, on_result=_killer(killed))
    rows = read_table(tmp_path / "clips", CLIPS_SCHEMA).to_pylist()
    assert killed and summary.analysed == len(SHORT)
    assert sorted(r["clip"] for r in rows) == sorted(SHORT)  # each exactly once
    assert {r["status"] for r in rows} == {"ok"}
    assert len(list((tmp_path / "analyses").glob("*.json"))) == len(SHORT)
    # the killed actor's clip in flight was retried on its restarted process
    assert len({r["worker"] for r in rows}) >= 3


def test_db_stores_each_analysis_in_the_training_log(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    from formcheck.log import records
    from formcheck.log.db import open_database

    url = f"sqlite:///{tmp_path / 'log.db'}"
    run_batch([clips[n] for n in SHORT[:2]], tmp_path / "out", workers=1, db=url)
    db = open_database(url)
    try:
        counts = records.count_rows(db)
    finally:
        db.close()
    assert counts["video_analyses"] == 2


def test_cli_batch_resumes_and_eval_scores_the_folder(
    local_out: Path, clips: dict[str, Path], shared_data: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from formcheck.cli import main

    runner = CliRunner()
    args = ["batch", *map(str, _inputs(clips)), "--out", str(local_out), "--workers", "1"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "skipped (done before) │     5" in res.output
    out_csv = tmp_path / "eval.csv"
    res = runner.invoke(
        main,
        [
            "eval",
            str(shared_data / "clips.json"),
            "--analyses",
            str(local_out / "analyses"),
            "--csv",
            str(out_csv),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "totals (29 clips, 25 missing)" in res.output
    assert "side_deadlift_bad_rounded_back" in out_csv.read_text()
    res = runner.invoke(main, ["batch", str(tmp_path / "none*.mp4"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "BatchError" in res.output


def test_eval_runs_the_labelled_clips_when_given_no_analyses(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from formcheck.cli import main

    items = [
        {
            "file": str(clips["side_deadlift_good_a"]),
            "lift": "deadlift",
            "view": "side",
            "reps": 1,
            "faults_expected": "none (labelled Good by its source)",
        },
        {
            "file": str(clips["side_deadlift_bad_rounded_back"]),
            "lift": "deadlift",
            "view": "side",
            "reps": 1,
            "faults_expected": "back rounding (on-screen label)",
        },
    ]
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"items": items}))
    out_json = tmp_path / "eval.json"
    res = CliRunner().invoke(
        main, ["eval", str(labels), "--out", str(tmp_path / "run"), "--json", str(out_json)]
    )
    assert res.exit_code == 0, res.output
    totals = json.loads(out_json.read_text())["totals"]
    assert totals["missing"] == 0 and totals["exact_reps"]["hit"] == 2
    assert len(list((tmp_path / "run" / "analyses").glob("*.json"))) == 2
