"""``formcheck triage`` with an answers file, --json, --video-json and --schema."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO_ROOT
from formcheck.cli import main
from formcheck.triage import TriageInputError
from formcheck.triage.validation import parse_answers

EXAMPLES = REPO_ROOT / "examples" / "triage"
ANSWER_EXAMPLES = sorted(p for p in EXAMPLES.iterdir() if not p.name.startswith("analysis"))


def _run(*args):
    return CliRunner().invoke(main, ["triage", *args], catch_exceptions=False)


@pytest.mark.parametrize("path", ANSWER_EXAMPLES, ids=[p.name for p in ANSWER_EXAMPLES])
def test_examples_give_the_verdict_in_their_name(path, tmp_path):
    out = tmp_path / "result.json"
    result = _run("--answers", str(path), "--json", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "formcheck.triage/2"
    assert doc["verdict"] == path.stem
    assert f"VERDICT: {path.stem}" in result.output
    assert result.output.count("not a doctor") == 1


def test_every_verdict_has_an_example():
    assert {p.stem for p in ANSWER_EXAMPLES} == {
        "emergency", "urgent", "see_professional", "rest_and_modify", "keep_training"}


def test_video_json_becomes_evidence(tmp_path):
    out = tmp_path / "r.json"
    result = _run("--answers", str(EXAMPLES / "rest_and_modify.yaml"),
                  "--video-json", str(EXAMPLES / "analysis_forward_lean.json"), "--json", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    lean = next(c for c in doc["causes"] if c["id"] == "form_forward_lean")
    assert "forward lean in 4 of 5 reps of your latest video" in lean["supports"]


def test_schema_lists_allowed_values_and_examples_fit_it(kb):
    result = _run("--schema")
    schema = json.loads(result.output)
    props = schema["properties"]
    assert props["regions"]["items"]["enum"] == list(kb.regions)
    assert set(props["red_flags"]["properties"]) == set(kb.red_flags)
    assert props["quality"]["anyOf"][0]["enum"] == ["dull", "sharp", "stiff", "tight", "unsure"]
    assert props["schema"]["enum"] == ["formcheck.triage-answers/1", "formcheck.triage-answers/2"]
    assert props["faults_seen"]["items"]["enum"] == list(kb.faults)
    for path in ANSWER_EXAMPLES:
        raw = yaml.safe_load(path.read_text())  # YAML also reads the JSON examples
        assert set(raw) <= set(props), path.name
        parse_answers(raw, kb)


def test_bad_answers_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "a.json"
    bad.write_text(json.dumps({"regions": ["elbow"], "severity": {"during": 12}}))
    result = CliRunner().invoke(main, ["triage", "--answers", str(bad)])
    assert result.exit_code == 2
    assert "TriageInputError" in result.output
    assert "severity.during" in result.output


def test_unparsable_answers_file(tmp_path):
    from formcheck.triage.cli import read_answers_file

    bad = tmp_path / "a.yaml"
    bad.write_text("regions: [unclosed")
    with pytest.raises(TriageInputError, match=r"--answers: expected JSON or YAML"):
        read_answers_file(bad)
    with pytest.raises(TriageInputError, match=r"--answers: expected a readable file"):
        read_answers_file(tmp_path / "none.json")
