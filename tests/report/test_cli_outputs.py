"""`formcheck analyze VIDEO --out DIR --export ...` end to end: real pose model on the sample."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

from formcheck.cli import main

from .conftest import SAMPLE
from .formats import read_mot, read_trc


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli_out")
    result = CliRunner().invoke(main, [
        "analyze", str(SAMPLE), "--out", str(out), "--export", "mot,trc,csv",
        "--height-cm", "170", "--threshold", "forward_lean=30",
        "--cache-dir", str(out / "cache"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_out_dir_has_every_output(out_dir):
    for name in ("analysis.json", "annotated.mp4", "report.html", "angles.png", "angles.svg",
                 "reps.png", "reps.svg", "angles.mot", "landmarks_px.trc",
                 "landmarks_world.trc", "series_long.csv"):
        assert (out_dir / name).stat().st_size > 1000, name


def test_report_matches_the_json_written_beside_it(out_dir):
    doc = json.loads((out_dir / "analysis.json").read_text())
    html = (out_dir / "report.html").read_text()
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert doc["reps"] and any(r["faults"] for r in doc["reps"])
    for rep in doc["reps"]:
        assert f'data-rep="{rep["index"]}"' in html
        for f in rep["faults"]:
            assert f'id="fault-{rep["index"]}-{f["id"]}"' in html
            assert " ".join(f["evidence"].split()) in text
    # With the lifter's height, bar speed is known and shown rep by rep.
    assert "mean concentric velocity" in text


def test_annotated_video_matches_the_json_video_facts(out_dir):
    doc = json.loads((out_dir / "analysis.json").read_text())
    with av.open(str(out_dir / "annotated.mp4")) as c:
        frames = sum(1 for _ in c.decode(video=0))
        duration = c.duration / 1e6
    assert frames == doc["video"]["frames"]
    assert duration == pytest.approx(doc["video"]["duration_s"], abs=0.05)


def test_exports_cover_the_whole_clip(out_dir):
    doc = json.loads((out_dir / "analysis.json").read_text())
    assert read_mot(out_dir / "angles.mot").data.shape[0] == doc["video"]["frames"]
    assert read_trc(out_dir / "landmarks_px.trc").points.shape[:2] == (doc["video"]["frames"], 33)
