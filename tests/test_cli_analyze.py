"""The analyze command: output files and one-line named errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from formcheck.cli import main
from formcheck.config import load_rules, parse_overrides
from formcheck.errors import ConfigError

from .conftest import SAMPLE


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_sample_json_and_csv(tmp_path: Path) -> None:
    out_json, out_csv = tmp_path / "a.json", tmp_path / "a.csv"
    code, output = _run(
        "analyze", str(SAMPLE), "--json", str(out_json), "--csv", str(out_csv),
        "--height-cm", "170", "--cache-dir", str(tmp_path / "cache"),
    )  # fmt: skip
    assert code == 0, output
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "formcheck.analysis/1"
    assert {"video", "lift", "style", "view", "reps", "warnings"} <= set(doc)
    assert {"path", "fps", "frames", "duration_s", "width", "height", "rotation"} <= set(
        doc["video"]
    )
    assert len(doc["reps"]) == 2
    for rep in doc["reps"]:
        assert {"index", "start_s", "bottom_s", "end_s", "partial", "metrics", "faults"} <= set(rep)
        assert rep["metrics"]["mean_concentric_velocity"]["unit"] == "m/s"
    header = out_csv.read_text().splitlines()[0].split(",")
    assert header[:3] == ["frame", "time_s", "rep"] and "knee_deg" in header
    assert len(out_csv.read_text().splitlines()) == doc["video"]["frames"] + 1
    assert "What to fix first" in output and "not a doctor" in output
    # The table's columns come from rules.toml; a front-squat-only check adds none here.
    assert "depth°" in output and "lean°" in output and "elbow°" not in output


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    code, output = _run("analyze", str(tmp_path / "nope.mp4"))
    assert code == 2
    assert "InputFileError" in output and "Traceback" not in output


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("squat 100 kg 5x5\n" * 50)
    code, output = _run("analyze", str(fake))
    assert code == 2 and "NotAVideoError" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--threshold", "forward_lean=abc"], "--threshold: forward_lean: expected a number"),
        (["--threshold", "forward_lean=nan"], "--threshold: forward_lean: expected a finite"),
        (["--set", "signals.lowpass_hz=-1"], "signals.lowpass_hz: expected 0.5..15 Hz, got -1"),
        (["--set", "signals.lowpass_hz=inf"], "signals.lowpass_hz: expected a finite number"),
        (["--set", "pose.min_person_height=2"], "pose.min_person_height: expected 0..1"),
        (["--set", "pose.nope=1"], "pose.nope"),
        (["--export", "mot"], "needs --out"),
        (["--threshold", "no_such_fault=3"], "no_such_fault"),
        (["--set", "signals.nope=3"], "signals.nope"),
        (["--height-cm", "20"], "100-250"),
        (["--person", "middle"], "--person: expected one of auto"),
        (["--start", "4", "--end", "2"], "--end: expected a time after --start"),
    ],
)
def test_bad_flags_are_named(args: list[str], match: str, tmp_path: Path) -> None:
    code, output = _run("analyze", str(SAMPLE), "--cache-dir", str(tmp_path), *args)
    assert code == 2 and match in " ".join(output.split()) and "Traceback" not in output
    assert not any(tmp_path.iterdir()), "the flag was checked only after the pose pass"


def test_bad_rules_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('version = 1\n[faults.x]\ntitle = "x"\n[styles]\n')
    with pytest.raises(ConfigError, match=r"rules.toml: .*faults\.x\.lift"):
        load_rules(bad)
    with pytest.raises(ConfigError, match="expected valid TOML"):
        bad.write_text("version = = 1")
        load_rules(bad)


def test_overrides_report_every_bad_pair_at_once() -> None:
    with pytest.raises(ConfigError, match=r"'a' \(expected KEY=NUMBER\); b: expected a number"):
        parse_overrides(["a", "b=x", "c=1"])
    assert parse_overrides(["c = 1", "d=-2.5"]) == {"c": 1.0, "d": -2.5}


def test_render_shows_confidence_and_not_judged(capsys: pytest.CaptureFixture[str]) -> None:
    from formcheck.cli.analyze import render
    from formcheck.track import INDEX

    from .conftest import analyze_fixture, load_fixture_track

    track = load_fixture_track("side_bodyweight_squat_2reps")
    limits = {"depth_shallow": 60.0}  # both reps reach parallel: make depth hold on each
    render(analyze_fixture(track, thresholds=limits, split_by_view=False), load_rules())
    out = capsys.readouterr().out
    assert "depth_shallow (fault, confidence" in out and "depth_shallow in rep(s)" not in out
    # Only the squat back-rounding check (measured, not validated) is listed as not judged.
    assert "back_rounding in rep(s) 1, 2" in " ".join(out.split())
    vis = track.visibility.copy()
    vis[:, [INDEX["left_knee"], INDEX["right_knee"]]] = 0.55  # knees half-guessed
    poor = analyze_fixture(track.with_history("test: knees half seen", visibility=vis),
                           thresholds=limits, split_by_view=False)
    render(poor, load_rules())
    out = " ".join(capsys.readouterr().out.split())
    assert "Not judged" in out and "depth_shallow in rep(s) 1, 2" in out
    assert "knee visibility 0.55" in out and "it would have flagged 2" in out
    assert "depth_shallow (fault" not in out
    assert "note: not judged" not in out  # said once, under its heading
