"""Replaying ``formcheck analyze``: an identical command prints and writes what it did before."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.cli import replay

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "side_bodyweight_squat_2reps.mp4"
# What a replay must not load: each costs tens of milliseconds to seconds.
HEAVY = (
    "numpy",
    "av",
    "pydantic",
    "scipy",
    "mediapipe",
    "rich.console",
    "formcheck.pipeline",
    "formcheck.capture.pose",
)
# Runs the CLI in a fresh interpreter, then prints which HEAVY modules it had loaded.
_PROBE = f"""
import json, sys
from formcheck.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Return what ``formcheck ARGS`` printed and the HEAVY modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
    )  # fmt: skip
    *printed, loaded = done.stdout.splitlines(keepends=True)
    return "".join(printed), json.loads(loaded)


@pytest.fixture
def cache(pose_cache: Path, tmp_path: Path) -> Path:
    """A cache folder of this test's own holding the sample's pose track (computed once)."""
    _run("analyze", str(SAMPLE), "--cache-dir", str(pose_cache))  # fills it unless warm
    own = tmp_path / "cache"
    shutil.copytree(pose_cache, own, ignore=shutil.ignore_patterns("replays"))
    return own


def test_a_repeated_command_prints_and_writes_the_same_without_loading_numpy(
    cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "a.json"
    args = ["analyze", str(SAMPLE), "--cache-dir", str(cache), "--json", str(out)]
    kept, loaded = _run(*args)  # the track is read from the cache: this run is kept
    assert "formcheck.pipeline" in loaded and len(list((cache / "replays").iterdir())) == 1
    written = out.read_bytes()
    out.unlink()
    again, loaded_again = _run(*args)
    assert loaded_again == []  # no numpy, PyAV, pydantic, rich, model or analysis
    # The same terminal text (the kept run also left the progress bar's last newline) ...
    assert "rep(s)" in again and "formcheck is not a doctor" in again
    assert kept.endswith(again) and kept[: -len(again)].strip() == ""
    # ... and the same JSON, written again where it was asked for.
    assert out.read_bytes() == written
    history = json.loads(written)["settings"]["pose_history"]
    assert any(h.startswith("pose: loaded from cache") for h in history)


def test_a_changed_flag_or_setting_runs_the_analysis(cache: Path, tmp_path: Path) -> None:
    args = ["analyze", str(SAMPLE), "--cache-dir", str(cache), "--json", str(tmp_path / "a.json")]
    _run(*args)
    assert _run(*args)[1] == []  # replayed
    _, loaded = _run(*args, "--set", "signals.lowpass_hz=5")
    assert "formcheck.pipeline" in loaded
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["settings"]["analysis"]["signals.lowpass_hz"] == 5  # computed, not replayed
    assert "formcheck.pipeline" in _run(*args, env={"FORMCHECK_POSE_CORES": "1"})[1]
    assert "formcheck.pipeline" in _run(*args, "--lift", "squat")[1]
    # --no-cache neither replays nor is kept; --out renders its report anew.
    assert "mediapipe" in _run(*args, "--no-cache")[1]


def _request(folder: Path, clip: Path, params: dict[str, object] | None = None) -> replay.Request:
    return replay.request(params or {"lift": "auto"}, clip, folder, {"--config": None})


def test_the_key_covers_the_clip_flags_files_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(SAMPLE.read_bytes()[:4096])
    folder = tmp_path / "cache"
    base = _request(folder, clip).key
    assert _request(folder, clip).key == base  # nothing changed: the same key
    assert _request(folder, clip, {"lift": "squat"}).key != base
    assert _request(folder, clip, {"lift": "auto", "json_path": Path("x.json")}).key != base
    config = tmp_path / "mine.toml"
    config.write_text("[signals]\nlowpass_hz = 5\n")
    with_config = replay.request({"lift": "auto"}, clip, folder, {"--config": config}).key
    config.write_text("[signals]\nlowpass_hz = 6\n")  # the same flag, other bytes
    assert replay.request({"lift": "auto"}, clip, folder, {"--config": config}).key != with_config
    monkeypatch.setenv("FORMCHECK_POSE_CORES", "1")
    assert _request(folder, clip).key != base
    monkeypatch.delenv("FORMCHECK_POSE_CORES")
    monkeypatch.setenv("NO_COLOR", "1")  # rich prints without colour: other text
    assert _request(folder, clip).key != base
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.chdir(tmp_path)  # relative paths name other files
    assert _request(folder, clip).key != base
    monkeypatch.chdir(ROOT)
    with clip.open("ab") as fh:  # new content, whatever the file's times say
        fh.write(b"\0")
    assert _request(folder, clip).key != base


def test_an_entry_is_replayed_only_while_it_and_its_track_are_sound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video, but hashable")
    folder = tmp_path / "cache"
    folder.mkdir()
    out = tmp_path / "a.json"
    out.write_text('{"a": 1}\n')
    req = _request(folder, clip)
    assert not replay.replay(req, folder)  # nothing kept yet
    # A run whose track was computed is not kept: its history is not what a re-run says.
    assert not replay.record(req, "text\n", [out], ["pose: BlazePose full, computed"])
    assert replay.record(req, "text\n", [out], ["x", "pose: loaded from cache t.npz"])
    assert not replay.replay(req, folder)  # the track t.npz is not in the folder
    (folder / "t.npz").write_bytes(b"")
    out.unlink()
    capsys.readouterr()
    assert replay.replay(req, folder)
    assert capsys.readouterr().out == "text\n" and out.read_text() == '{"a": 1}\n'
    req.entry.write_text(req.entry.read_text()[:-5])  # damaged: a miss, nothing printed
    assert not replay.replay(req, folder) and capsys.readouterr().out == ""
    assert replay.record(req, "text\n", [out], ["pose: loaded from cache t.npz"])
    other = _request(folder, clip, {"lift": "squat"})
    shutil.copy(req.entry, other.entry)  # a sound entry under another request's name
    assert not replay.replay(other, folder) and capsys.readouterr().out == ""
    assert replay.replay(req, folder)
