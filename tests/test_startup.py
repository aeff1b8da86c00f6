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
    # --help shows each command's summary, so it loads the command modules, but no more.
    assert _loaded("--help", watch=ANALYSIS) == []


def test_cached_analyze_imports_neither_mediapipe_nor_other_commands(
    pose_cache: Path, tmp_path: Path
) -> None:
    args = ["analyze", str(SAMPLE), "--cache-dir", str(pose_cache), "--json"]
    first = _loaded(*args, str(tmp_path / "first.json"))  # fills the cache unless it is warm
    again = _loaded(*args, str(tmp_path / "again.json"))
    # A cached run needs the analysis (scipy.signal) and nothing else on the list.
    assert again == ["formcheck.pipeline", "scipy.signal"], f"first run loaded {first}"
    assert "pose: loaded from cache" in (tmp_path / "again.json").read_text()  # really cached
