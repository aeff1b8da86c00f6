"""Importing Strong and Hevy exports: formats, units, time zones, messy rows, atomicity."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from formcheck.errors import ExportFormatError, ImportRowError, InputFileError
from formcheck.log import records
from formcheck.log.db import LogDatabase
from formcheck.log.importers import LB_TO_KG, parse_datetime, parse_duration, parse_export
from formcheck.log.models import Exercise, SetEntry, TrainingSession

FIXTURES = Path(__file__).parent / "fixtures"

ALL = ["strong_semicolon.csv", "strong_comma.csv", "hevy_kg.csv", "hevy_lbs_messy.csv"]


def _sets(db: LogDatabase) -> list[tuple]:
    with db.transaction() as s:
        return s.execute(
            select(
                Exercise.name,
                SetEntry.set_type,
                SetEntry.weight_kg,
                SetEntry.unit,
                SetEntry.reps,
                SetEntry.rpe,
                SetEntry.warmup,
                SetEntry.superset,
            )
            .join(Exercise)
            .order_by(SetEntry.id)
        ).all()


@pytest.mark.parametrize(
    ("name", "fmt", "rows", "sets", "dups"),
    [
        ("strong_semicolon.csv", "strong-semicolon", 18, 16, 1),
        ("strong_comma.csv", "strong-comma", 13, 11, 1),
        ("hevy_kg.csv", "hevy", 12, 12, 0),
        ("hevy_lbs_messy.csv", "hevy", 6, 4, 1),
    ],
)
def test_formats_are_recognised_from_the_header(name, fmt, rows, sets, dups) -> None:
    export = parse_export(FIXTURES / name, tz="Europe/Berlin")
    assert (export.format, export.rows_read, len(export.sets), export.duplicates) == (
        fmt,
        rows,
        sets,
        dups,
    )


def test_strong_semicolon_units_bodyweight_decimal_comma_and_truncation() -> None:
    export = parse_export(FIXTURES / "strong_semicolon.csv", tz="Europe/Berlin")
    by = {(p.exercise, p.set_index): p for p in export.sets}
    dl = by[("Deadlift (Barbell)", 2)]
    assert dl.unit == "lb" and dl.weight_original == 315
    assert dl.weight_kg == pytest.approx(315 * LB_TO_KG) and dl.rpe == 9
    assert by[("Romanian Deadlift (Barbell)", 1)].weight_kg == 102.5  # "102,5"
    assert by[("Squat (Barbell)", 3)].rpe == 8.5  # "8,5"
    assert by[("Pull Up", 1)].weight_kg is None and by[("Pull Up", 1)].reps == 8  # 0 = bodyweight
    assert by[("Pull Up", 2)].weight_kg is None  # blank weight
    assert by[("Plank", 1)].seconds == 60 and by[("Plank", 1)].reps is None
    assert by[("Rowing (Machine)", 1)].distance_m == 2000
    assert ("Kniebeuge – Pause (Hantel) 💪", 1) in by
    assert by[("Squat (Barbell)", 1)].duration_min == 65
    assert export.skipped == ["line 19: truncated (3 of 14 fields)"]


def test_strong_comma_warmups_rest_timer_and_twelve_hour_times() -> None:
    export = parse_export(FIXTURES / "strong_comma.csv", tz="Europe/Berlin", unit="kg")
    squat = [p for p in export.sets if p.exercise == "Squat (Barbell)"]
    assert [p.set_type for p in squat] == ["warmup", "warmup", "normal", "normal", "normal"]
    assert all(p.weight_kg != 0 for p in export.sets)  # the Rest Timer row is not a set
    bench = next(p for p in export.sets if p.exercise.startswith("Bench"))
    assert bench.local_date == dt.date(2024, 4, 2) and bench.started_at.hour == 16  # 6:15 PM CEST
    assert next(p for p in export.sets if p.set_type == "drop").weight_kg == 150


def test_strong_comma_in_pounds() -> None:
    export = parse_export(FIXTURES / "strong_comma.csv", tz="UTC", unit="lb")
    top = max(export.sets, key=lambda p: p.weight_original or 0)
    assert top.unit == "lb" and top.weight_kg == pytest.approx(200 * LB_TO_KG)


def test_time_zones_and_daylight_saving() -> None:
    berlin = parse_export(FIXTURES / "strong_comma.csv", tz="Europe/Berlin")
    first, late = berlin.sets[0], next(p for p in berlin.sets if p.title == "Late session")
    assert first.started_at == dt.datetime(2024, 3, 30, 8, 5, 12)  # CET, UTC+1
    assert late.started_at == dt.datetime(2024, 3, 31, 21, 30)  # CEST after the switch, UTC+2
    ny = parse_export(FIXTURES / "strong_comma.csv", tz="America/New_York")
    late_ny = next(p for p in ny.sets if p.title == "Late session")
    # The local training day stays the day on the lifter's phone, whatever UTC says.
    assert late_ny.local_date == dt.date(2024, 3, 31)
    assert late_ny.started_at == dt.datetime(2024, 4, 1, 3, 30)
    utc, local = parse_datetime("2024-01-08T18:01:00+05:30", berlin_zone())
    assert utc == dt.datetime(2024, 1, 8, 12, 31) and local == dt.date(2024, 1, 8)


def berlin_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_hevy_supersets_set_types_and_durations() -> None:
    export = parse_export(FIXTURES / "hevy_kg.csv", tz="Europe/Berlin")
    curls = [p for p in export.sets if p.exercise.startswith("Lying Leg Curl")]
    assert {p.superset for p in curls} == {"0"}
    assert [p.set_type for p in export.sets[:4]] == ["warmup", "normal", "normal", "failure"]
    assert export.sets[0].duration_min == 69
    assert next(p for p in export.sets if p.exercise == "Treadmill").distance_m == 1500


def test_hevy_pounds_unicode_blank_weights_duplicates_truncated() -> None:
    export = parse_export(FIXTURES / "hevy_lbs_messy.csv", tz="Europe/Berlin")
    names = [p.exercise for p in export.sets]
    assert names == ["Squat (Barbell)", "Sentadilla búlgara (Mancuerna)", "深蹲 (杠铃)", "Walking"]
    assert export.sets[0].weight_kg == pytest.approx(315 * LB_TO_KG)
    assert export.sets[1].weight_kg is None and export.sets[1].reps == 10
    assert export.sets[3].distance_m == pytest.approx(1609.344)
    assert export.duplicates == 1
    assert export.skipped == ["line 7: truncated (13 of 14 fields)"]


@pytest.mark.parametrize("name", ALL)
def test_reimporting_the_same_file_adds_nothing(db: LogDatabase, name: str) -> None:
    export = parse_export(FIXTURES / name, tz="Europe/Berlin")
    first = records.import_export(db, export)
    assert first.sets_added == len(export.sets) > 0
    before = records.count_rows(db)
    again = records.import_export(db, parse_export(FIXTURES / name, tz="Europe/Berlin"))
    assert (again.sets_added, again.sessions_added) == (0, 0)
    assert again.already_present == len(export.sets)
    assert records.count_rows(db) == before


def test_all_fixtures_together_keep_values(db: LogDatabase) -> None:
    for name in ALL:
        records.import_export(db, parse_export(FIXTURES / name, tz="Europe/Berlin"))
    counts = records.count_rows(db)
    assert counts["sets"] == 16 + 11 + 12 + 4
    assert counts["sessions"] == 3 + 3 + 2 + 1
    rows = _sets(db)
    assert (
        "深蹲 (杠铃)",
        "normal",
        pytest.approx(225 * LB_TO_KG),
        "lb",
        8,
        None,
        False,
        None,
    ) in rows
    warm = [r for r in rows if r.warmup]
    assert len(warm) == 4 and all(r.set_type == "warmup" for r in warm)
    with db.transaction() as s:
        lifts = dict(s.execute(select(Exercise.name, Exercise.lift)).all())
    assert lifts["Front Squat (Barbell)"] == "squat"
    assert lifts["Bulgarian Split Squat"] == "other"
    assert lifts["Romanian Deadlift (Barbell)"] == "deadlift"


def test_wrong_columns_name_expected_and_found() -> None:
    with pytest.raises(ExportFormatError, match=r"found columns: Date, Exercise, Category.*lacks"):
        parse_export(FIXTURES / "wrong_columns.csv")


def test_missing_column_is_listed(tmp_path: Path) -> None:
    text = (FIXTURES / "hevy_kg.csv").read_text().replace('"exercise_title",', '"exercise",', 1)
    bad = tmp_path / "hevy_missing.csv"
    bad.write_text(text)
    with pytest.raises(ExportFormatError, match=r"closest is hevy, which lacks: exercise_title"):
        parse_export(bad)


def test_every_bad_row_is_listed_in_one_error() -> None:
    with pytest.raises(ImportRowError) as info:
        parse_export(FIXTURES / "strong_bad_values.csv")
    msg = str(info.value)
    assert "4 bad row(s)" in msg
    for part in (
        "line 2: weight 'sixty' is not a number",
        "line 3: unreadable date 'yesterday'",
        "line 4: weight unit 'stone'",
        "line 5: RPE '14' is outside 1-10",
    ):
        assert part in msg


def test_missing_file_and_bad_zone_are_named_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        parse_export(tmp_path / "nope.csv")
    with pytest.raises(ExportFormatError, match="IANA time zone"):
        parse_export(FIXTURES / "hevy_kg.csv", tz="Mars/Olympus")
    with pytest.raises(ExportFormatError, match="--unit: expected kg or lb, received 'stone'"):
        parse_export(FIXTURES / "strong_comma.csv", unit="stone")


def test_crash_mid_import_leaves_the_database_as_it_was(
    db: LogDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    records.import_export(db, parse_export(FIXTURES / "hevy_kg.csv", tz="UTC"))
    before = records.count_rows(db)
    big = tmp_path / "big.csv"
    lines = [
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
        "Distance Unit;Seconds;Notes;Workout Notes"
    ]
    for day in range(300):
        stamp = (dt.datetime(2020, 1, 1, 18) + dt.timedelta(days=day)).isoformat(" ")
        lines += [f"{stamp};W{day};Squat;{i};{100 + i};kg;5;;;;0;;" for i in range(1, 21)]
    big.write_text("\n".join(lines) + "\n")
    export = parse_export(big, tz="UTC")
    real = records._set_values
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 4500:  # after two full INSERT batches have gone to the database
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "_set_values", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        records.import_export(db, export)
    assert calls["n"] == 4501
    assert records.count_rows(db) == before
    monkeypatch.setattr(records, "_set_values", real)
    done = records.import_export(db, export)
    assert done.sets_added == 6000 and done.sessions_added == 300


def test_killed_process_mid_import_leaves_sqlite_file_intact(tmp_path: Path) -> None:
    """A hard kill (no rollback, no cleanup) in the middle of an import loses nothing."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    script = f"""
import os
from pathlib import Path
from formcheck.log import records
from formcheck.log.db import open_database
from formcheck.log.importers import parse_export
db = open_database({url!r})
records.import_export(db, parse_export(Path({str(FIXTURES / "hevy_kg.csv")!r}), tz='UTC'))
real, n = records._set_values, [0]
def dying(*a, **k):
    n[0] += 1
    if n[0] == 10:
        os._exit(17)  # the process vanishes mid-transaction
    return real(*a, **k)
records._set_values = dying
records.CHUNK = 3
records.import_export(db, parse_export(Path({str(FIXTURES / "strong_semicolon.csv")!r}), tz='UTC'))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 17, proc.stderr
    from formcheck.log.db import open_database

    db = open_database(url)
    counts = records.count_rows(db)
    assert counts["sets"] == 12 and counts["sessions"] == 2
    with db.transaction() as s:
        assert s.scalars(select(TrainingSession.source).distinct()).all() == ["hevy"]
    db.close()


def test_durations() -> None:
    assert parse_duration("1h 5m") == 65
    assert parse_duration("45m") == 45
    assert parse_duration("90s") == 1.5
    assert parse_duration("") is None


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.decimals(min_value=0, max_value=500, places=1), min_size=1, max_size=12),
    unit=st.sampled_from(["kg", "lbs"]),
)
def test_property_import_parse_is_deterministic_and_converts_units(tmp_path_factory, weights, unit):
    path = tmp_path_factory.mktemp("prop") / "gen.csv"
    header = (
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
        "Distance Unit;Seconds;Notes;Workout Notes"
    )
    rows = [
        f"2023-05-0{1 + i % 7} 10:00:00;S;Squat;{i + 1};{w};{unit};5;;;;0;;"
        for i, w in enumerate(weights)
    ]
    path.write_text("\n".join([header, *rows]) + "\n")
    a, b = parse_export(path), parse_export(path)
    assert [p.key for p in a.sets] == [p.key for p in b.sets]
    assert len({p.key for p in a.sets}) == len(a.sets)
    assert len(a.sets) == len(weights)  # 0 is bodyweight, still a set of 5 reps
    factor = LB_TO_KG if unit == "lbs" else 1
    for p, w in zip(a.sets, weights, strict=True):
        if w == 0:
            assert p.weight_kg is None and p.reps == 5
        else:
            assert p.weight_kg == pytest.approx(float(w) * factor)
            assert p.weight_original == pytest.approx(float(w))


def test_empty_and_binary_files_are_named_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ExportFormatError, match=r"found columns: \(none\)"):
        parse_export(empty)
    huge = tmp_path / "huge.csv"  # a field beyond the csv module's 128 KiB limit
    huge.write_text((FIXTURES / "hevy_kg.csv").read_text() + '"' + "x" * 200_000 + '"\n')
    with pytest.raises(ExportFormatError, match="expected CSV text, received unreadable data"):
        parse_export(huge)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("Date;Workout Name\n2024-01-01;Übung\n".encode("latin-1"))
    with pytest.raises(ExportFormatError, match="expected a UTF-8 CSV export"):
        parse_export(latin)


def test_a_short_row_inside_the_file_is_an_error_not_a_truncation(tmp_path: Path) -> None:
    lines = (FIXTURES / "hevy_kg.csv").read_text().splitlines()
    lines.insert(3, '"Leg Day","8 Jan 2024, 18:01"')
    bad = tmp_path / "short.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRowError, match=r"line 4: 2 fields, expected 14"):
        parse_export(bad)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-01-08 18:01:00", dt.datetime(2024, 1, 8, 17, 1)),
        ("2024-01-08 18:01", dt.datetime(2024, 1, 8, 17, 1)),
        ("2024-01-08 6:01:00\u202fPM", dt.datetime(2024, 1, 8, 17, 1)),
        ("2024-01-08 6:01 PM", dt.datetime(2024, 1, 8, 17, 1)),
        ("8 Jan 2024, 18:01", dt.datetime(2024, 1, 8, 17, 1)),
        ("2024-01-08T18:01:00+01:00", dt.datetime(2024, 1, 8, 17, 1)),
        ("2024-07-08 18:01:00", dt.datetime(2024, 7, 8, 16, 1)),  # summer time, UTC+2
    ],
)
def test_date_formats_of_the_exports(text: str, utc: dt.datetime) -> None:
    assert parse_datetime(text, berlin_zone())[0] == utc


def test_unreadable_date_is_reported() -> None:
    with pytest.raises(ValueError, match="unreadable date '08/01/2024 6pm'"):
        parse_datetime("08/01/2024 6pm", berlin_zone())


def test_a_longer_export_adds_only_the_new_sets(db: LogDatabase, tmp_path: Path) -> None:
    full = (FIXTURES / "hevy_kg.csv").read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(full[:3]) + "\n")  # header + first two sets of Leg Day
    assert records.import_export(db, parse_export(short, tz="UTC")).sets_added == 2
    summary = records.import_export(db, parse_export(FIXTURES / "hevy_kg.csv", tz="UTC"))
    assert (summary.sets_added, summary.already_present, summary.sessions_added) == (10, 2, 1)
    with db.transaction() as s:
        positions = s.scalars(
            select(SetEntry.position)
            .join(TrainingSession)
            .where(TrainingSession.title == "Leg Day")
        ).all()
    assert sorted(positions) == list(range(1, 9))
