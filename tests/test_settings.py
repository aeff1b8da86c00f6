"""The one settings model: every shipped number is in range, read by the code and documented."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from formcheck.capture.pose import PoseSettings, load_pose_settings
from formcheck.config import load_rules, load_settings
from formcheck.errors import ConfigError
from formcheck.log.rules import load_rules as load_log_rules
from formcheck.pipeline import AnalysisOptions
from formcheck.settings import Setting
from formcheck.triage.knowledge import DATA_DIR, default_knowledge

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "formcheck"


def _code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))


def test_the_settings_reference_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "settings_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_analysis_setting_is_read_by_the_code() -> None:
    code = _code()
    unread = [k for k in load_settings().flat() if f'"{k}"' not in code]
    assert not unread, f"analysis.toml entries nothing reads: {unread}"


def test_every_pose_setting_is_read_by_the_code() -> None:
    code = _code()
    # Read as ``settings.name.value`` or from ``settings.values()["name"]``.
    unread = [
        k for k in PoseSettings.model_fields if not re.search(rf"\.{k}\.value\b|\[\"{k}\"\]", code)
    ]
    assert not unread, f"pose_settings.toml entries nothing reads: {unread}"


def test_every_log_threshold_is_read_by_the_code() -> None:
    # Read as ``rules.pain.high_risk`` or through a section alias (``p.high_risk``).
    code = "\n".join(p.read_text(encoding="utf-8") for p in (SRC / "log").glob("*.py"))
    rules = load_log_rules()
    unread = [
        f"{section}.{name}"
        for section, value in rules
        if hasattr(value, "__iter__") and not isinstance(value, dict | list)
        for name, item in value
        if isinstance(item, Setting) and not re.search(rf"\.{name}\b", code)
    ]
    assert not unread, f"thresholds.toml entries nothing reads: {unread}"


def test_every_triage_parameter_is_used() -> None:
    yamls = [p for p in DATA_DIR.glob("*.yaml") if p.name != "parameters.yaml"]
    text = _code() + "\n".join(p.read_text(encoding="utf-8") for p in yamls)
    unused = [
        pid
        for pid in default_knowledge().parameters
        if not re.search(rf"(\$|\{{|[\"']){pid}\b", text)
    ]
    assert not unused, f"parameters.yaml entries nothing uses: {unused}"


def test_a_value_outside_its_range_or_not_finite_is_refused() -> None:
    s = Setting(value=1, unit="s", min=0, max=2, source="x", reason="y")
    assert s.with_value(2.0, "--set a").value == 2.0
    for bad in (-0.1, 2.5, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match=r"--set a: expected"):
            s.with_value(bad, "--set a")
    with pytest.raises(ValueError, match=r"expected 0\.\.2 s, got 3"):
        Setting(value=3, unit="s", min=0, max=2, source="x", reason="y")


def test_options_reject_unknown_and_out_of_range_overrides_with_the_known_names() -> None:
    with pytest.raises(ConfigError, match=r"expected one of \[.*'pose.min_person_height'.*\]"):
        AnalysisOptions(overrides={"pose.min_person_size": 0.1}).resolved()
    with pytest.raises(ConfigError, match=r"signals.lowpass_hz: expected 0.5..15 Hz, got 40"):
        AnalysisOptions(overrides={"signals.lowpass_hz": 40}).resolved()
    opts = AnalysisOptions(
        overrides={"signals.lowpass_hz": 5, "pose.min_person_height": 0.1}
    ).resolved()
    assert opts.settings is not None and opts.settings.get("signals.lowpass_hz") == 5
    assert opts.pose_settings is not None and opts.pose_settings.min_person_height.value == 0.1
    assert load_pose_settings().min_person_height.value == 0.15  # the shipped file is untouched


def test_a_config_file_may_hold_some_entries_and_unknown_keys_are_named(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text("[signals]\nlowpass_hz = 5\n[reps.min_depth]\nvalue = 0.2\n")
    settings = load_settings(user)
    assert settings.get("signals.lowpass_hz") == 5 and settings.get("reps.min_depth") == 0.2
    assert settings.get("signals.max_gap_s") == load_settings().get("signals.max_gap_s")
    user.write_text("[pose]\nmin_person_height = 0.1\n")
    with pytest.raises(ConfigError, match=r"got unknown \['pose.min_person_height'\]"):
        load_settings(user)
    user.write_text("[signals]\nlowpass_hz = 99\n")
    with pytest.raises(ConfigError, match=r"signals.lowpass_hz: expected 0.5..15 Hz"):
        load_settings(user)


def test_every_fault_rule_says_how_it_is_judged_and_what_it_highlights() -> None:
    rules = load_rules()
    for fid, rule in rules.faults.items():
        assert rule.highlight, f"{fid} highlights no body part"
        assert rule.frames == "rep" or rule.series is not None, fid
    assert {c.metric for c in rules.columns()} >= {r.metric for r in rules.faults.values()}


def test_the_worked_example_adds_a_fault_with_one_rules_entry(tmp_path: Path) -> None:
    # docs/architecture.md: a new fault is one metric + one rules entry; faults.py, the CLI
    # table and the overlay pick it up from the entry alone.
    from formcheck.pipeline import analyze_track
    from tests.conftest import fixture_video, load_fixture_track

    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    entry = re.search(r"```toml\n( *\[faults\.knees_too_straight\].*?) *```", doc, re.S)
    assert entry is not None, "the worked example is gone from docs/architecture.md"
    shipped = (SRC / "data" / "rules.toml").read_text(encoding="utf-8")
    example = textwrap.dedent(entry.group(1)).replace('source = "..."', 'source = "test"')
    example = example.replace('reason = "..."', 'reason = "test"')
    # The sample squats deep (smallest knee angle ~60 deg): a 40 deg threshold must fire,
    # and the shipped 120 deg must not.
    track = load_fixture_track("side_bodyweight_squat_2reps")
    for threshold, fires in ((40.0, True), (120.0, False)):
        rules = tmp_path / f"rules{threshold:g}.toml"
        rules.write_text(
            shipped.replace("[table]", example.replace("120.0", f"{threshold}") + "\n[table]", 1)
        )
        analysis = analyze_track(track, fixture_video(track), rules=load_rules(rules))
        found = [f for r in analysis.reps for f in r.faults if f.id == "knees_too_straight"]
        assert bool(found) is fires and len(analysis.reps) == 2
        if fires:
            assert found[0].body_parts == [["hip", "knee"], ["knee", "ankle"]]
            lo, _hi = found[0].frame_range
            assert analysis.series["knee_deg"][lo] > threshold


def test_the_style_choices_are_the_shipped_styles() -> None:
    # The CLI, batch and web offer STYLES; a style added to rules.toml must be offered too.
    from formcheck.styles import STYLES

    assert set(STYLES) == set(load_rules().styles)
