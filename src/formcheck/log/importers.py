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
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from formcheck.errors import ExportFormatError, ImportRowError, InputFileError

LB_TO_KG = 0.45359237  # exact, by the international yard and pound agreement (1959)
MILE_M = 1609.344

STRONG_OLD = (
    "Date",
    "Workout Name",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Weight Unit",
    "Reps",
    "RPE",
    "Distance",
    "Distance Unit",
    "Seconds",
    "Notes",
    "Workout Notes",
)
STRONG_OLD_OPTIONAL = ("Workout Duration",)
STRONG_NEW = (
    "Date",
    "Workout Name",
    "Duration",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Reps",
    "Distance",
    "Seconds",
    "Notes",
    "Workout Notes",
    "RPE",
)
HEVY = (
    "title",
    "start_time",
    "end_time",
    "description",
    "exercise_title",
    "superset_id",
    "exercise_notes",
    "set_index",
    "set_type",
    "reps",
    "distance_*",
    "duration_seconds",
    "rpe",
)
HEVY_WEIGHT = ("weight_kg", "weight_lbs")

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%b %d, %Y, %I:%M %p",
    "%Y-%m-%d",
)
_SET_TYPES = {
    "w": "warmup",
    "warmup": "warmup",
    "warm up": "warmup",
    "warm-up": "warmup",
    "d": "drop",
    "dropset": "drop",
    "drop": "drop",
    "f": "failure",
    "failure": "failure",
    "normal": "normal",
    "": "normal",
}


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


def _wanted(header: list[str], columns: tuple[str, ...]) -> list[str]:
    missing = []
    for col in columns:
        if col.endswith("*"):
            if not any(h.startswith(col[:-1]) for h in header):
                missing.append(col)
        elif col not in header:
            missing.append(col)
    return missing


def detect_format(header: list[str], delimiter: str) -> str:
    """Return the export format named by a CSV header.

    Raises
    ------
    ExportFormatError
        When the header matches none of the supported formats; the message lists the columns
        each format expects, the columns found, and the closest format's missing columns.
    """
    candidates = {
        "strong-semicolon": list(_wanted(header, STRONG_OLD)),
        "strong-comma": list(_wanted(header, STRONG_NEW)),
        "hevy": list(_wanted(header, HEVY))
        + ([] if any(w in header for w in HEVY_WEIGHT) else ["weight_kg|weight_lbs"]),
    }
    if not candidates["strong-semicolon"] and delimiter == ";":
        return "strong-semicolon"
    for name in ("strong-comma", "hevy", "strong-semicolon"):
        if not candidates[name]:
            return name
    closest = min(candidates, key=lambda n: len(candidates[n]))
    raise ExportFormatError(
        "expected the header of a Strong (semicolon: "
        f"{', '.join(STRONG_OLD)}; comma: {', '.join(STRONG_NEW)}) or Hevy "
        f"({', '.join(HEVY)}, weight_kg or weight_lbs) export; found columns: "
        f"{', '.join(header) or '(none)'}; closest is {closest}, which lacks: "
        f"{', '.join(candidates[closest])}"
    )


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExportFormatError(
            f"--tz: expected an IANA time zone such as Europe/Berlin, received {tz!r}"
        ) from exc


@lru_cache(maxsize=8192)
def parse_datetime(text: str, zone: ZoneInfo) -> tuple[dt.datetime, dt.date]:
    """Return (naive UTC, local date) for an export timestamp read in ``zone``.

    Timestamps with an explicit offset keep it; naive ones are local wall-clock times in
    ``zone`` (exports write the phone's local time without an offset).

    Raises
    ------
    ValueError
        When no supported date format matches.
    """
    clean = text.strip().replace("\u202f", " ").replace("\u00a0", " ")
    stamp: dt.datetime | None = None
    try:
        stamp = dt.datetime.fromisoformat(clean)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                stamp = dt.datetime.strptime(clean, fmt)
                break
            except ValueError:
                continue
    if stamp is None:
        raise ValueError(f"unreadable date {text!r}")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
    local = stamp.astimezone(stamp.tzinfo)
    utc = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return utc, local.date()


def _number(text: str | None, what: str, *, decimal_comma: bool = False) -> float | None:
    raw = (text or "").strip()
    if not raw:
        return None
    if decimal_comma:
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{what} {text!r} is not a number") from exc
    if value < 0 or value != value:
        raise ValueError(f"{what} {text!r} must be zero or more")
    return value


@lru_cache(maxsize=4096)
def parse_duration(text: str) -> float | None:
    """Return minutes from Strong durations such as ``1h 5m``, ``45m`` or ``3600s``."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", text.strip().lower())
    if not parts:
        return None
    scale = {"h": 60.0, "m": 1.0, "s": 1 / 60}
    return round(sum(float(v) * scale[u] for v, u in parts), 2)


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


def _unit_of(raw: str) -> str:
    unit = raw.strip().lower()
    if unit in ("lb", "lbs"):
        return "lb"
    if unit in ("kg", "kgs", ""):
        return "kg"
    raise ValueError(f"weight unit {raw!r} is neither kg nor lbs")


def _distance_m(value: float | None, unit: str) -> float | None:
    if value is None or value == 0:
        return None
    factor = {"km": 1000.0, "m": 1.0, "mi": MILE_M, "miles": MILE_M, "ft": 0.3048}
    return value * factor.get(unit.strip().lower(), 1000.0)


def _row_fields(app: str, fmt: str, row: dict[str, str], default_unit: str) -> dict[str, str]:
    """Map one CSV row of any supported format onto common field names."""
    if app == "hevy":
        lbs = "weight_lbs" in row
        dist_col = next((c for c in row if c.startswith("distance_")), "")
        return {
            "date": row["start_time"],
            "end": row.get("end_time", ""),
            "title": row["title"],
            "exercise": row["exercise_title"],
            "order": row["set_index"],
            "set_type": row["set_type"],
            "weight": row["weight_lbs" if lbs else "weight_kg"],
            "unit": "lb" if lbs else "kg",
            "reps": row["reps"],
            "rpe": row["rpe"],
            "distance": row[dist_col] if dist_col else "",
            "distance_unit": "mi" if dist_col.endswith("miles") else "km",
            "seconds": row["duration_seconds"],
            "notes": row["exercise_notes"],
            "session_notes": row["description"],
            "superset": row["superset_id"],
            "duration": "",
        }
    semicolon = fmt == "strong-semicolon"
    unit = row["Weight Unit"] if semicolon else default_unit
    return {
        "date": row["Date"],
        "end": "",
        "title": row["Workout Name"],
        "exercise": row["Exercise Name"],
        "order": row["Set Order"],
        "set_type": "",
        "weight": row["Weight"],
        "unit": unit,
        "reps": row["Reps"],
        "rpe": row["RPE"],
        "distance": row["Distance"],
        "distance_unit": row["Distance Unit"] if semicolon else ("mi" if unit == "lb" else "km"),
        "seconds": row["Seconds"],
        "notes": row["Notes"],
        "session_notes": row["Workout Notes"],
        "superset": "",
        "duration": row.get("Workout Duration" if semicolon else "Duration", "") or "",
    }


def _set_type_and_index(order: str, set_type: str, cur: _Cursor) -> tuple[str, int]:
    order = order.strip()
    kind = _SET_TYPES.get(set_type.strip().lower(), "normal") if set_type else "normal"
    if order.isdigit():
        return kind, int(order)
    named = _SET_TYPES.get(order.lower())
    if named is None:
        raise ValueError(f"set order {order!r} is neither a number nor W/D/F")
    # Warm-ups etc. carry no number in Strong; number them by position in the block.
    return named, 1000 + cur.running


def _parse_row(
    app: str,
    fmt: str,
    row: dict[str, str],
    line: int,
    zone: ZoneInfo,
    default_unit: str,
    cur: _Cursor,
) -> ParsedSet | None:
    f = _row_fields(app, fmt, row, default_unit)
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
    comma = fmt == "strong-semicolon"
    unit = _unit_of(f["unit"])
    weight = _number(f["weight"], "weight", decimal_comma=comma)
    reps_f = _number(f["reps"], "reps", decimal_comma=comma)
    seconds = _number(f["seconds"], "seconds", decimal_comma=comma) or None
    distance = _distance_m(
        _number(f["distance"], "distance", decimal_comma=comma), f["distance_unit"]
    )
    rpe = _number(f["rpe"], "RPE", decimal_comma=comma)
    if rpe is not None and not 1 <= rpe <= 10:
        raise ValueError(f"RPE {f['rpe']!r} is outside 1-10")
    if not weight and not reps_f and seconds is None and distance is None:
        return None  # an empty placeholder row: nothing was lifted
    kind, index = _set_type_and_index(f["order"], f["set_type"], cur)
    duration = parse_duration(f["duration"]) if f["duration"] else None
    if duration is None and f["end"].strip():
        end, _ = parse_datetime(f["end"], zone)
        duration = round((end - started).total_seconds() / 60, 2)
    weight = weight or None  # 0 kg in an export means bodyweight
    return ParsedSet(
        line=line,
        session_key=session_key,
        started_at=started,
        local_date=local_date,
        title=title,
        duration_min=duration,
        session_notes=f["session_notes"].strip(),
        exercise=exercise,
        set_index=index,
        set_type=kind,
        weight_kg=None if weight is None else (weight * LB_TO_KG if unit == "lb" else weight),
        weight_original=weight,
        unit=unit,
        reps=None if reps_f is None else int(reps_f),
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
        default_unit = _unit_of(unit)
    except ValueError as exc:
        raise ExportFormatError(f"--unit: expected kg or lb, received {unit!r}") from exc
    header, delimiter, records = _read_records(path)
    fmt = detect_format(header, delimiter)
    app = "hevy" if fmt == "hevy" else "strong"
    out = ParsedExport(app=app, format=fmt, tz=tz, sets=[])
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
                continue
            problems.append(f"line {line}: {len(values)} fields, expected {len(header)}")
            continue
        row = dict(zip(header, values, strict=False))
        if app == "strong" and row.get("Set Order", "").strip().lower() == "rest timer":
            continue  # Strong writes rest periods as rows of their own
        try:
            parsed = _parse_row(app, fmt, row, line, zone, default_unit, cur)
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
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ImportRowError(
            f"{path.name}: expected readable {fmt} rows, received {len(problems)} bad row(s): "
            f"{shown}{more}"
        )
    return out
