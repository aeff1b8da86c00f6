"""Issue 15 item 2: a hostile answers file is refused quickly, with a short message."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from formcheck.triage.cli import MAX_ANSWERS_BYTES, read_answers_file
from formcheck.triage.engine import triage
from formcheck.triage.errors import TriageInputError

from .conftest import run_cli

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{n}: &{n} [{','.join(['*' + p] * 9)}]"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def _timed_cli(path: Path) -> tuple[object, float]:
    start = time.perf_counter()
    out = run_cli("triage", "--answers", str(path))
    return out, time.perf_counter() - start


def test_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 600
    out, seconds = _timed_cli(path)
    assert out.code == 2 and "aliases are not allowed" in out.flat  # type: ignore[attr-defined]
    assert seconds < 5


def test_a_single_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("regions: &r [lower_back_central]\nother: *r\n")
    with pytest.raises(TriageInputError, match=r"--answers: .*alias \*r"):
        read_answers_file(path)


def test_plain_yaml_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("regions: [lower_back_central]\nseverity: {now: 3}\n")
    assert read_answers_file(path)["regions"] == ["lower_back_central"]


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    value = "x" * (50 * 1024 * 1024)
    path.write_text(json.dumps({"regions": [value]}))
    out, seconds = _timed_cli(path)
    assert out.code == 2 and "at most 256 KiB" in out.flat  # type: ignore[attr-defined]
    assert seconds < 5


def test_long_value_is_cut_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"regions": ["x" * (MAX_ANSWERS_BYTES - 100)]}))
    out, seconds = _timed_cli(path)
    assert out.code == 2 and "TriageInputError" in out.text  # type: ignore[attr-defined]
    assert "characters)" in out.flat and len(out.text) < 2000  # type: ignore[attr-defined]
    assert seconds < 5


@pytest.mark.parametrize(
    ("name", "text"),
    [("deep.json", "[" * 100_000 + "]" * 100_000), ("deep.yaml", "a: " + "[" * 60_000)],
)
def test_deep_nesting_is_a_named_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    out, _ = _timed_cli(path)
    assert out.code == 2 and "--answers" in out.flat  # type: ignore[attr-defined]


def test_many_problems_are_counted_not_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"regions": [f"r{i}" for i in range(5000)]}))
    with pytest.raises(TriageInputError, match=r"and \d+ more") as info:
        triage(read_answers_file(path))
    assert len(info.value.problems) >= 5000
    assert len(str(info.value)) < 20_000


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00junk")
    assert run_cli("triage", "--answers", str(binary)).code == 2
    assert "--answers" in run_cli("triage", "--answers", str(tmp_path / "none.json")).flat
