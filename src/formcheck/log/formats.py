"""The CSV export formats formcheck reads: their columns, and how their values are written.

Strong (older semicolon format with a unit column, newer comma format without one) and Hevy
(weight_kg or weight_lbs). ``docs/training-log.md`` documents the supported columns.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from formcheck.errors import ExportFormatError, quoted

LB_TO_KG = 0.45359237  # exact, by the international yard and pound agreement (1959)
MILE_M = 1609.344
# Plausible values, checked the same way for imported rows and `log add` (docs/training-log.md).
# The heaviest barbell lift on record is about 500 kg; 1500 kg leaves room for sled and
# leg-press loads while refusing overflowed or mistyped numbers (1e308, inf).
MAX_WEIGHT_KG = 1500.0
# Training logs start long after 1900; a date a year or more ahead is a typo (or year 9999).
EARLIEST_DAY = dt.date(1900, 1, 1)
MAX_DAYS_AHEAD = 366

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

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%b %d, %Y, %I:%M %p",
    "%Y-%m-%d",
)
SET_TYPES = {
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


def _wanted(header: list[str], columns: tuple[str, ...]) -> list[str]:
    missing = []
    for col in columns:
        if col.endswith("*"):
            if not any(h.startswith(col[:-1]) for h in header):
                missing.append(col)
        elif col not in header:
            missing.append(col)
    return missing


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


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
        f"{_cut(', '.join(header)) or '(none)'}; closest is {closest}, which lacks: "
        f"{', '.join(candidates[closest])}"
    )


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
        for fmt in DATE_FORMATS:
            try:
                stamp = dt.datetime.strptime(clean, fmt)
                break
            except ValueError:
                continue
    if stamp is None:
        raise ValueError(f"unreadable date {quoted(text)}")
    check_day(stamp.date(), "date")  # also keeps the time-zone arithmetic below in range
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
    local = stamp.astimezone(stamp.tzinfo)
    utc = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return utc, local.date()


def check_day(day: dt.date, what: str, today: dt.date | None = None) -> dt.date:
    """Return ``day`` when it lies from 1900-01-01 to a year after ``today``.

    Raises
    ------
    ValueError
        Naming ``what``, the allowed range and the day received.
    """
    latest = (today or dt.date.today()) + dt.timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_DAY <= day <= latest:
        raise ValueError(
            f"{what} {day.isoformat()} is outside {EARLIEST_DAY.isoformat()} to "
            f"{latest.isoformat()} (a year from today)"
        )
    return day


def check_weight(value: float, unit: str) -> float:
    """Return a weight in ``unit`` (kg or lb) when it is finite and at most 1500 kg.

    The one check for imported rows and ``log add``.

    Raises
    ------
    ValueError
        When the weight is negative, not finite, or heavier than :data:`MAX_WEIGHT_KG`.
    """
    kg = value * LB_TO_KG if unit == "lb" else value
    if not (math.isfinite(value) and 0 <= kg <= MAX_WEIGHT_KG):
        raise ValueError(
            f"weight {value:g} {unit} is outside 0-{MAX_WEIGHT_KG:g} kg (expected a load a "
            "lifter can move)"
        )
    return value


def parse_number(text: str | None, what: str, *, decimal_comma: bool = False) -> float | None:
    """Return a finite, non-negative number from an export cell, or None for a blank cell.

    Raises
    ------
    ValueError
        If the cell is not a number, is infinite or NaN, or is negative (the message names
        ``what``).
    """
    raw = (text or "").strip()
    if not raw:
        return None
    if decimal_comma:
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{what} {quoted(text)} is not a number") from exc
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} {quoted(text)} must be a finite number, zero or more")
    return value


@lru_cache(maxsize=4096)
def parse_duration(text: str) -> float | None:
    """Return minutes from Strong durations such as ``1h 5m``, ``45m`` or ``3600s``."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", text.strip().lower())
    if not parts:
        return None
    scale = {"h": 60.0, "m": 1.0, "s": 1 / 60}
    return round(sum(float(v) * scale[u] for v, u in parts), 2)


def parse_unit(raw: str) -> str:
    """Return ``"kg"`` or ``"lb"`` for a weight-unit cell (blank means kg).

    Raises
    ------
    ValueError
        If the unit is neither.
    """
    unit = raw.strip().lower()
    if unit in ("lb", "lbs"):
        return "lb"
    if unit in ("kg", "kgs", ""):
        return "kg"
    raise ValueError(f"weight unit {quoted(raw)} is neither kg nor lbs")


def distance_m(value: float | None, unit: str) -> float | None:
    """Return a distance in metres (None for blank or 0); unknown units are taken as km."""
    if value is None or value == 0:
        return None
    factor = {"km": 1000.0, "m": 1.0, "mi": MILE_M, "miles": MILE_M, "ft": 0.3048}
    return value * factor.get(unit.strip().lower(), 1000.0)


def row_fields(app: str, fmt: str, row: dict[str, str], default_unit: str) -> dict[str, str]:
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
