"""``--all-people``: each person in a composed two-person clip gets an analysis of their own.

The clip is the real 8-rep squatter beside a mirrored copy of themselves squatting in step
(tests/test_pose.py builds it from ../shared/data; skipped without it). A clip with one
person gives one analysis, and picking a person while asking for all is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from formcheck.all_people import analyze_people
from formcheck.cli import main
from formcheck.errors import ConfigError
from formcheck.pipeline import AnalysisOptions
from formcheck.track import INDEX

from .clipgen import cut, shared_clip
from .test_pose import SQUAT8, _side_by_side

pytestmark = pytest.mark.clips


def _hip_x(analysis: object) -> float:
    track = analysis.track  # type: ignore[attr-defined]
    hips = track.image_xy[track.present][:, [INDEX["left_hip"], INDEX["right_hip"]], 0]
    return float(np.median(hips))


def test_two_people_get_one_analysis_each_and_the_cli_one_table_and_file_each(
    tmp_path: Path,
) -> None:
    clip = _side_by_side(tmp_path / "twins.mp4", lifter_left=True, other="twin")
    people = analyze_people(clip, AnalysisOptions(cache_dir=tmp_path / "cache"))
    assert len(people) == 2
    assert people[0].warnings[0] == "person 1 of 2, on the left (--all-people)"
    assert people[1].warnings[0] == "person 2 of 2, on the right (--all-people)"
    assert _hip_x(people[0]) < 320 < _hip_x(people[1])  # each track is its own person
    assert all(p.lift == "squat" and p.reps for p in people)
    out = tmp_path / "a.json"
    result = CliRunner().invoke(
        main,
        ["analyze", str(clip), "--all-people", "--json", str(out),
         "--cache-dir", str(tmp_path / "cache")],
    )
    assert result.exit_code == 0, result.output
    assert "Person 1 of 2" in result.output and "Person 2 of 2" in result.output
    for n in (1, 2):
        data = json.loads((tmp_path / f"a.person{n}.json").read_text())
        assert data["warnings"][0].startswith(f"person {n} of 2")
    assert not out.exists()


def test_one_person_gives_one_analysis(tmp_path: Path) -> None:
    clip = cut(shared_clip(SQUAT8), tmp_path / "one.mp4", 96)
    people = analyze_people(clip, AnalysisOptions(cache_dir=tmp_path / "cache"))
    assert len(people) == 1
    assert people[0].warnings[0] == "person 1 of 1 (--all-people)"
    assert not any("only one person found" in w for w in people[0].warnings)


def test_all_people_with_a_person_choice_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"--all-people: expected no --person choice.*left"):
        analyze_people("never-read.mp4", AnalysisOptions(person="left"))
