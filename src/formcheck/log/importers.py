"""Reading the CSV exports of Strong (old semicolon and new comma formats) and Hevy.

The format is recognised from the header alone. Parsing is pure and checks the whole file
first (every bad row is listed in one error); :mod:`formcheck.log.records` then writes the
parsed rows in one transaction. The supported columns are documented in
``docs/training-log.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from formcheck.errors import ExportFormatError, ImportRowError, InputFileError, quoted
from formcheck.log.formats import (
    LB_TO_KG,
    SET_TYPES,
    check_weight,
    detect_format,
    distance_m,
    parse_datetime,
    parse_duration,
    parse_number,
    parse_unit,
    row_fields,
)

__all__ = [
    "LB_TO_KG",
    "ParsedExport",
    "ParsedSet",
    "parse_datetime",
    "parse_duration",
    "parse_export",
]


MAX_REPS = 1000  # far above any set; refuses overflowed numbers the database cannot store


@dataclass(frozen=True)
class ParsedSet:
    """One set read from an export, already in kg / metres / UTC."""

    line: int
    session_key: str
    started_at: dt.datetime  # naive UTC
    local_date: dt.date
    title: str
    duration_min: float | None
    session_notes: str
    exercise: str
    set_index: int
    set_type: str
    weight_kg: float | None
    weight_original: float | None
    unit: str
    reps: int | None
    rpe: float | None
    superset: str | None
    distance_m: float | None
    seconds: float | None
    notes: str
    key: str


@dataclass
class ParsedExport:
    """Everything read from one export file, ready to be written."""

    app: str  # "strong" | "hevy"
    format: str  # "strong-semicolon" | "strong-comma" | "hevy"
    tz: str
    sets: list[ParsedSet]
    rows_read: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: reason"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(f"expected a CSV export at {path}, but no such file exists") from exc
    except UnicodeDecodeError as exc:
        raise ExportFormatError(
            f"{path}: expected a UTF-8 CSV export, received undecodable bytes at {exc.start}"
        ) from exc


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExportFormatError(
            f"--tz: expected an IANA time zone such as Europe/Berlin, received {quoted(tz)}"
        ) from exc


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()


@lru_cache(maxsize=4096)
def _session_key(app: str, started: dt.datetime, title: str) -> str:
    # Rows of one workout repeat its date and title; hash them once.
    return _digest(app, started.isoformat(), title)


@dataclass
class _Cursor:
    """Tracks exercise blocks within a session, so keys survive repeated exercises."""

    session: str = ""
    exercise: str = ""
    block: int = 0
    running: int = 0


def _set_type_and_index(order: str, set_type: str, cur: _Cursor) -> tuple[str, int]:
    order = order.strip()
    kind = SET_TYPES.get(set_type.strip().lower(), "normal") if set_type else "normal"
    if order.isdigit():
        return kind, int(order)
    named = SET_TYPES.get(order.lower())
    if named is None:
        raise ValueError(f"set order {quoted(order)} is neither a number nor W/D/F")
    # Warm-ups etc. carry no number in Strong; number them by position in the block.
    return named, 1000 + cur.running


@dataclass(frozen=True)
class _Measures:
    unit: str
    weight: float | None  # None = bodyweight (exports write 0 or nothing)
    reps: int | None
    seconds: float | None
    distance: float | None
    rpe: float | None


def _measures(f: dict[str, str], *, decimal_comma: bool) -> _Measures:
    """Return the load, reps, time, distance and RPE of one row, checked."""

    def num(col: str, what: str) -> float | None:
        return parse_number(f[col], what, decimal_comma=decimal_comma)

    reps = num("reps", "reps")
    if reps is not None and (reps != int(reps) or reps > MAX_REPS):
        raise ValueError(f"reps {quoted(f['reps'])} is not a whole number from 0 to {MAX_REPS}")
    rpe = num("rpe", "RPE")
    if rpe is not None and not 1 <= rpe <= 10:
        raise ValueError(f"RPE {quoted(f['rpe'])} is outside 1-10")
    unit = parse_unit(f["unit"])
    weight = num("weight", "weight")
    if weight is not None:
        check_weight(weight, unit)
    return _Measures(
        unit=unit,
        weight=weight or None,
        reps=int(reps) if reps else None,  # 0 reps (timed holds) means no reps
        seconds=num("seconds", "seconds") or None,
        distance=distance_m(num("distance", "distance"), f["distance_unit"]),
        rpe=rpe,
    )


def _duration(f: dict[str, str], started: dt.datetime, zone: ZoneInfo) -> float | None:
    """Return the workout's minutes from its duration column or its end time."""
    if f["duration"]:
        minutes = parse_duration(f["duration"])
        if minutes is not None:
            return minutes
    if f["end"].strip():
        end, _ = parse_datetime(f["end"], zone)
        return round((end - started).total_seconds() / 60, 2)
    return None


def _parse_row(
    app: str,
    fmt: str,
    row: dict[str, str],
    line: int,
    zone: ZoneInfo,
    default_unit: str,
    cur: _Cursor,
) -> ParsedSet | None:
    f = row_fields(app, fmt, row, default_unit)
    started, local_date = parse_datetime(f["date"], zone)
    title = f["title"].strip()
    session_key = _session_key(app, started, title)
    exercise = " ".join(f["exercise"].split())
    if not exercise:
        raise ValueError("exercise name is empty")
    if session_key != cur.session:
        cur.session, cur.exercise, cur.block = session_key, "", 0
    if exercise != cur.exercise:
        cur.exercise, cur.block, cur.running = exercise, cur.block + 1, 0
    cur.running += 1
    m = _measures(f, decimal_comma=fmt == "strong-semicolon")
    if m.weight is None and m.reps is None and m.seconds is None and m.distance is None:
        return None  # an empty placeholder row: nothing was lifted
    kind, index = _set_type_and_index(f["order"], f["set_type"], cur)
    weight, unit, reps_f, seconds, distance, rpe = (
        m.weight,
        m.unit,
        m.reps,
        m.seconds,
        m.distance,
        m.rpe,
    )
    return ParsedSet(
        line=line,
        session_key=session_key,
        started_at=started,
        local_date=local_date,
        title=title,
        duration_min=_duration(f, started, zone),
        session_notes=f["session_notes"].strip(),
        exercise=exercise,
        set_index=index,
        set_type=kind,
        weight_kg=None if weight is None else (weight * LB_TO_KG if unit == "lb" else weight),
        weight_original=weight,
        unit=unit,
        reps=reps_f,
        rpe=rpe,
        superset=f["superset"].strip() or None,
        distance_m=distance,
        seconds=seconds,
        notes=f["notes"].strip(),
        key=_digest(
            session_key, exercise, cur.block, kind, index, weight, unit, reps_f, seconds, distance
        ),
    )


def _read_records(path: Path) -> tuple[list[str], str, list[tuple[int, list[str]]]]:
    """Return the header, the delimiter and (end line, fields) of every record of a CSV."""
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader, [])]
        # line_num is the physical line a record ends on (notes may span lines).
        records = [(reader.line_num, values) for values in reader]
    except csv.Error as exc:
        raise ExportFormatError(
            f"{path.name}: expected CSV text, received unreadable data at line "
            f"{reader.line_num}: {exc}"
        ) from exc
    return header, delimiter, records


def _collect_sets(
    out: ParsedExport,
    header: list[str],
    records: list[tuple[int, list[str]]],
    zone: ZoneInfo,
    default_unit: str,
) -> list[str]:
    """Fill ``out`` with the file's distinct sets; return the problems of unreadable rows."""
    problems: list[str] = []
    seen: set[str] = set()
    cur = _Cursor()
    for n, (line, values) in enumerate(records):
        if not any(v.strip() for v in values):
            continue
        out.rows_read += 1
        if len(values) < len(header):
            if n == len(records) - 1:
                out.skipped.append(
                    f"line {line}: truncated ({len(values)} of {len(header)} fields)"
                )
            else:
                problems.append(f"line {line}: {len(values)} fields, expected {len(header)}")
            continue
        row = dict(zip(header, values, strict=False))
        if out.app == "strong" and row.get("Set Order", "").strip().lower() == "rest timer":
            continue  # Strong writes rest periods as rows of their own
        try:
            parsed = _parse_row(out.app, out.format, row, line, zone, default_unit, cur)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if parsed is None:
            out.skipped.append(f"line {line}: empty set (no weight, reps, time or distance)")
        elif parsed.key in seen:
            out.duplicates += 1
        else:
            seen.add(parsed.key)
            out.sets.append(parsed)
    return problems


def parse_export(path: Path, *, tz: str = "UTC", unit: str = "kg") -> ParsedExport:
    """Return every set of a Strong or Hevy CSV export, validated and converted.

    Parameters
    ----------
    path
        The CSV file.
    tz
        IANA zone of the phone that wrote the export (exports store local time, no offset).
    unit
        Weight unit of Strong's comma format, which does not say which unit it uses.

    Raises
    ------
    ExportFormatError
        If the header is not one of the supported formats (lists expected and found columns).
    ImportRowError
        If rows hold unreadable values; every bad row is listed with its line number.

    Notes
    -----
    A last line with fewer fields than the header is taken as truncated (an interrupted
    export) and skipped with a note; identical rows are imported once.
    """
    zone = _zone(tz)
    try:
        default_unit = parse_unit(unit)
    except ValueError as exc:
        raise ExportFormatError(f"--unit: expected kg or lb, received {quoted(unit)}") from exc
    header, delimiter, records = _read_records(path)
    fmt = detect_format(header, delimiter)
    app = "hevy" if fmt == "hevy" else "strong"
    out = ParsedExport(app=app, format=fmt, tz=tz, sets=[])
    problems = _collect_sets(out, header, records, zone, default_unit)
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ImportRowError(
            f"{path.name}: expected readable {fmt} rows, received {len(problems)} bad row(s): "
            f"{shown}{more}"
        )
    return out
