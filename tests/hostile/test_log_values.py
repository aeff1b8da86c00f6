"""Issue 15 item 9: one plausibility check for weights and dates, for import and add."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from formcheck.log.formats import check_day, check_weight

from .conftest import run_cli, strong_csv, strong_row


@pytest.mark.parametrize("weight", ["inf", "1e308", "nan", "-5", "1600", "Infinity"])
def test_import_refuses_implausible_weights(tmp_path: Path, weight: str) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    path = strong_csv(tmp_path / "s.csv", [strong_row(), strong_row(weight=weight, notes="x")])
    out = run_cli("log", "--db", db, "import", str(path), "--tz", "UTC")
    assert out.code == 2 and "ImportRowError" in out.text and "line 3" in out.flat
    assert "sets added" not in out.flat  # one transaction: nothing of the file was stored


@pytest.mark.parametrize("token", ["1600kg", "3600lb", "1" * 400 + "kg"])
def test_add_refuses_the_same_weights(tmp_path: Path, token: str) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    out = run_cli("log", "--db", db, "add", "squat", token, "5x5")
    assert out.code == 2 and "EntryParseError" in out.text and "outside 0-1500 kg" in out.flat


@pytest.mark.parametrize("date", ["0001-01-01 10:00:00", "9999-12-31 10:00:00", "1899-12-31"])
def test_import_refuses_implausible_dates(tmp_path: Path, date: str) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    path = strong_csv(tmp_path / "s.csv", [strong_row(date=date)])
    out = run_cli("log", "--db", db, "import", str(path), "--tz", "Pacific/Kiritimati")
    assert out.code == 2 and "ImportRowError" in out.text and "is outside 1900-01-01" in out.flat


COMMANDS = [["add", "squat", "100kg", "5x5"], ["pain", "knee", "--after", "2"]]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_date_flags_refuse_implausible_days(tmp_path: Path, command: list[str], date: str) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    out = run_cli("log", "--db", db, *command, "--date", date)
    assert out.code == 2 and "EntryParseError" in out.text and "--date" in out.flat


def test_plot_works_after_the_edges_of_the_range(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    rows = [strong_row(date="1900-01-02 10:00:00"), strong_row(date="2024-03-30 09:05:12")]
    assert run_cli("log", "--db", db, "import", str(strong_csv(tmp_path / "s.csv", rows)),
                   "--tz", "UTC").code == 0
    plotted = run_cli("log", "--db", db, "plot", "strength", "--out", str(tmp_path / "p.png"))
    assert plotted.code == 0
    assert (tmp_path / "p.png").stat().st_size > 0


def test_the_checks_themselves() -> None:
    today = dt.date(2026, 12, 2)
    assert check_day(dt.date(2027, 12, 3), "d", today=today) == dt.date(2027, 12, 3)
    with pytest.raises(ValueError, match=r"d 2027-12-04 is outside 1900-01-01 to 2027-12-03"):
        check_day(dt.date(2027, 12, 4), "d", today=today)
    assert check_weight(1500, "kg") == 1500 and check_weight(3306, "lb") == 3306
    for bad in (float("inf"), float("nan"), 1e308, -1.0):
        with pytest.raises(ValueError, match="outside 0-1500 kg"):
            check_weight(bad, "kg")
