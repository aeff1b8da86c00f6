"""Issue 15 item 3: the CSV export cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from formcheck.log.export import neutralise_cell

from .conftest import run_cli, strong_csv, strong_row

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)"]


@pytest.mark.parametrize("cell", [*FORMULAS, "\tx", "\rx"])
def test_formula_cells_become_text(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("value", ["Squat", "2024-03-30", "", -2.5, 100, None, "a=b"])
def test_other_cells_are_unchanged(value: object) -> None:
    assert neutralise_cell(value) == value


def _exported(tmp_path: Path, *flags: str) -> list[dict[str, str]]:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    rows = [strong_row(exercise=f, notes=f, title=f) for f in FORMULAS]
    assert run_cli("log", "--db", db, "import", str(strong_csv(tmp_path / "s.csv", rows)),
                   "--tz", "UTC").code == 0
    out = tmp_path / "export.csv"
    assert run_cli("log", "--db", db, "export", "--out", str(out), *flags).code == 0
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))


def test_export_neutralises_and_raw_keeps(tmp_path: Path) -> None:
    safe = _exported(tmp_path)
    for column in ("exercise", "notes", "session"):
        assert sorted(r[column] for r in safe) == sorted("'" + f for f in FORMULAS)
    assert all(r["weight_kg"] == "100.0" for r in safe)
    (tmp_path / "raw").mkdir()
    raw = _exported(tmp_path / "raw", "--raw-csv")
    assert sorted(r["exercise"] for r in raw) == sorted(FORMULAS)
