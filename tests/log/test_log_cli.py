"""The ``formcheck log`` commands, run through click against a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from formcheck.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def invoke(*args: str) -> SimpleNamespace:
        result = runner.invoke(main, ["log", "--db", url, *args], catch_exceptions=False)
        # rich wraps lines to the terminal width; compare text with whitespace collapsed.
        return SimpleNamespace(
            exit_code=result.exit_code, raw=result.output, output=" ".join(result.output.split())
        )

    return invoke


def test_add_pain_show_advice(run) -> None:
    out = run("add", "squat", "100kg", "5x5", "@8", "--date", "2026-11-30", "--tz", "UTC")
    assert out.exit_code == 0 and "logged 5 x 5 squat at 100 kg @ RPE 8 on 2026-11-30" in out.output
    run("add", "deadlift", "225lb", "3x5", "rir2", "--date", "2026-11-30", "--tz", "UTC")
    out = run(
        "pain",
        "lower_back",
        "--before",
        "1",
        "--during",
        "5",
        "--date",
        "2026-11-30",
        "--tz",
        "UTC",
    )
    assert "linked to session 1" in out.output
    out = run("show")
    assert out.exit_code == 0 and "2026-11-30" in out.output and "4,031" in out.output
    out = run("advice", "--as-of", "2026-12-01")
    assert out.exit_code == 0
    assert "Back off the weight" in out.output and "not a doctor" in out.output
    assert out.output.count("not a doctor") == 1
    doc = json.loads(run("advice", "--as-of", "2026-12-01", "--json").raw)
    assert doc["context"]["rule_of_twos_breaches"] == 1
    assert doc["advice"][0]["kind"] == "back_off"
    ctx = json.loads(run("context", "--as-of", "2026-12-01").raw)
    assert ctx["pain_trend"] == {"lower_back": "unknown"}


def test_import_twice_then_export(run, tmp_path: Path) -> None:
    out = run("import", str(FIXTURES / "strong_semicolon.csv"), "--tz", "Europe/Berlin")
    assert out.exit_code == 0
    assert "16 sets added in 3 new sessions" in out.output and "1 duplicate rows" in out.output
    assert "truncated" in out.output
    again = run("import", str(FIXTURES / "strong_semicolon.csv"), "--tz", "Europe/Berlin")
    assert "0 sets added in 0 new sessions, 16 already present" in again.output
    text = run("export", "--format", "csv").raw
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 16
    dl = next(r for r in rows if r["exercise"] == "Deadlift (Barbell)" and r["set_index"] == "2")
    assert (dl["unit"], dl["weight_original"], dl["rpe"]) == ("lb", "315.0", "9.0")
    out_json = tmp_path / "log.json"
    run("export", "--format", "json", "--out", str(out_json))
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "formcheck.log-export/1"
    assert sum(len(s["sets"]) for s in doc["sessions"]) == 16


def test_lifter_video_and_triage(run, tmp_path: Path) -> None:
    out = run("lifter", "--height-cm", "180", "--body-mass-kg", "92.5", "--training-age", "3")
    assert "height_cm: 180.0" in out.output and "body_mass_kg: 92.5" in out.output
    from test_log_analytics import analysis

    video = tmp_path / "a.json"
    video.write_text(json.dumps(analysis("d" * 64, ["forward_lean"])))
    assert "stored" in run("video", str(video)).output
    assert "already stored" in run("video", str(video)).output
    tri = tmp_path / "t.json"
    tri.write_text(json.dumps({"verdict": "keep_training"}))
    assert "triage 1 stored" in run("triage", str(tri)).output
    doc = json.loads(run("export", "--format", "json").raw)
    assert doc["video_analyses"][0]["faults"] == ["forward_lean"]
    assert doc["triage_results"][0]["verdict"] == "keep_training"
    assert doc["lifter"]["training_age_years"] == 3


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plots_are_written(run, tmp_path: Path, suffix: str) -> None:
    run("import", str(FIXTURES / "hevy_kg.csv"), "--tz", "UTC")
    run("import", str(FIXTURES / "strong_comma.csv"), "--tz", "UTC")
    for d, score in (("2024-01-08", 3), ("2024-01-10", 5), ("2024-03-30", 2)):
        run(
            "pain",
            "lower_back",
            "--during",
            str(score),
            "--next-morning",
            "1",
            "--date",
            d,
            "--tz",
            "UTC",
        )
    strength = tmp_path / f"strength{suffix}"
    pain = tmp_path / f"pain{suffix}"
    assert run("plot", "strength", "--out", str(strength)).exit_code == 0
    assert run("plot", "pain", "--out", str(pain)).exit_code == 0
    for f in (strength, pain):
        head = f.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in f.read_bytes()[:2000]
        assert f.stat().st_size > 5000, head


def test_errors_are_one_line_with_exit_code_2(run, tmp_path: Path) -> None:
    out = run("add", "squat", "5x5")
    assert out.exit_code == 2 and "EntryParseError" in out.output and "no weight" in out.output
    out = run("import", str(FIXTURES / "wrong_columns.csv"))
    assert out.exit_code == 2 and "ExportFormatError" in out.output
    assert "found columns: Date, Exercise" in out.output
    out = run("pain", "neck", "--during", "12")
    assert out.exit_code == 2 and "outside 0-10" in out.output
    out = run("plot", "pain", "--out", str(tmp_path / "p.pdf"))
    assert out.exit_code == 2 and "expected a .png or .svg" in out.output
    out = run("plot", "strength", "--out", str(tmp_path / "p.png"))
    assert out.exit_code == 2 and "expected logged sets" in out.output
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    out = run("video", str(bad))
    assert out.exit_code == 2 and "expected a JSON object, received list" in out.output
    out = run("add", "squat", "100kg", "5x5", "--tz", "Nowhere/Land")
    assert out.exit_code == 2 and "IANA zone" in out.output


def test_every_command_is_documented() -> None:
    from formcheck.log.cli import log

    doc = (Path(__file__).parents[2] / "docs" / "training-log.md").read_text()
    for name in log.commands:
        assert f"formcheck log {name}" in doc, name
