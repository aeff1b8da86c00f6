"""Start-up: a command imports only what it uses (mediapipe, scipy, other commands cost seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "side_bodyweight_squat_2reps.mp4"
ANALYSIS = ("mediapipe", "scipy.signal", "matplotlib", "formcheck.pipeline")
# What computing an analysis loads, and a finished one read from the cache must not.
COMPUTE = ("mediapipe", "scipy.signal", "formcheck.analysis.stages", "formcheck.capture.pose_pass")
HEAVY = (
    *ANALYSIS,
    "formcheck.triage.cli",
    "formcheck.log.cli",
    "formcheck.web.cli",
    "formcheck.batch.cli",
)
# Runs the CLI in a fresh interpreter, then prints which HEAVY modules it had loaded.
_PROBE = """
import json, sys
from formcheck.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))
"""


def _loaded(*args: str, watch: tuple[str, ...] = HEAVY) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(watch), *args],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_neither_the_analysis_nor_the_model() -> None:
    # --help shows each command's summary, so it loads the command modules, but no more
    # (not even numpy: the result types are imported for annotations only).
    assert _loaded("--help", watch=(*ANALYSIS, "numpy")) == []


def test_cached_analyze_imports_neither_mediapipe_nor_the_analysis_nor_other_commands(
    pose_cache: Path, tmp_path: Path
) -> None:
    args = ["analyze", str(SAMPLE), "--cache-dir", str(pose_cache), "--json"]
    first = _loaded(*args, str(tmp_path / "first.json"))  # fills the caches unless warm
    second = _loaded(*args, str(tmp_path / "second.json"))  # the track cached: analysis kept
    again = _loaded(*args, str(tmp_path / "again.json"), watch=(*HEAVY, *COMPUTE))
    # A cached run reads the track and the finished analysis: no model, no stages, no scipy.
    assert again == ["formcheck.pipeline"], f"first run loaded {first}, second {second}"
    text = (tmp_path / "again.json").read_text()
    assert "pose: loaded from cache" in text  # really cached
    assert text == (tmp_path / "second.json").read_text()  # and the same result, byte for byte


def test_a_changed_setting_misses_the_analysis_cache(pose_cache: Path, tmp_path: Path) -> None:
    args = ["analyze", str(SAMPLE), "--cache-dir", str(pose_cache), "--json"]
    for name in ("first", "second"):
        _loaded(*args, str(tmp_path / f"{name}.json"))  # track and analysis now cached
    changed = [*args, str(tmp_path / "changed.json"), "--set", "signals.lowpass_hz=5"]
    loaded = _loaded(*changed, watch=COMPUTE)
    assert loaded == ["formcheck.analysis.stages", "scipy.signal"]  # computed, not read back
    doc = json.loads((tmp_path / "changed.json").read_text())
    assert doc["settings"]["analysis"]["signals.lowpass_hz"] == 5
    assert "pose: loaded from cache" in str(doc["settings"]["pose_history"])
    # ... and the run after the change reads the changed analysis back, not the first one.
    assert _loaded(*changed[:-3], str(tmp_path / "again.json"), *changed[-2:], watch=COMPUTE) == []
    assert (tmp_path / "again.json").read_text() == (tmp_path / "changed.json").read_text()
