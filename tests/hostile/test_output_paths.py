"""Issue 15 item 5: an output that cannot be written fails before the pose pass, by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck.errors import OutputPathError
from formcheck.paths import check_output_path

from .conftest import SAMPLE, run_cli


def _cases(tmp_path: Path) -> list[tuple[str, Path, str]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [
        ("--json", a_file / "a.json", "is a regular file"),
        ("--json", tmp_path, "is a directory"),  # click's own check of the flag
        ("--json", Path("/proc/a.json"), "kernel interface"),
        ("--csv", a_file / "deep" / "a.csv", "is a regular file"),
        ("--out", a_file / "report", "is a regular file"),
        ("--out", a_file, "is a file"),
        ("--out", Path("/proc/self/report"), "kernel interface"),
    ]
    if os.geteuid() != 0:  # root may write into a read-only folder
        read_only = tmp_path / "ro"
        read_only.mkdir()
        read_only.chmod(0o555)
        cases.append(("--json", read_only / "a.json", "cannot create files"))
    return cases


def test_analyze_checks_outputs_before_the_pose_pass(tmp_path: Path) -> None:
    cache = tmp_path / "cache"  # an empty cache: a pose pass would leave an entry here
    for flag, path, why in _cases(tmp_path):
        out = run_cli("analyze", str(SAMPLE), flag, str(path), "--cache-dir", str(cache))
        assert out.code == 2, (flag, path, out.text)
        assert flag in out.flat and why in out.flat, out.text
        assert not cache.exists()


def test_triage_and_log_outputs_are_checked(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    db = f"sqlite:///{tmp_path / 'log.db'}"
    for args in (
        ["triage", "--answers", "missing.json", "--json", str(a_file / "t.json")],
        ["log", "--db", db, "export", "--out", str(a_file / "e.csv")],
        ["log", "--db", db, "plot", "pain", "--out", "/proc/p.png"],
    ):
        out = run_cli(*args)
        assert out.code == 2 and "OutputPathError" in out.text and "--" in out.flat, args


def test_a_writable_path_is_accepted_and_nothing_is_left(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "a.json"
    assert check_output_path(target, "--json") == target
    assert list(tmp_path.iterdir()) == []  # the probe file is gone, no folder was made
    existing = tmp_path / "b.json"
    existing.write_text("keep")
    check_output_path(existing, "--json")
    assert existing.read_text() == "keep"


def test_error_names_flag_expected_and_received(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match=r"^--json: expected a writable file path, got "):
        check_output_path(tmp_path, "--json")
    with pytest.raises(OutputPathError, match=r"it is a file, not a folder"):
        check_output_path(SAMPLE, "--out", directory=True)
    with pytest.raises(OutputPathError, match=r"^--out: expected a writable folder, got /proc"):
        check_output_path("/proc/x", "--out", directory=True)
