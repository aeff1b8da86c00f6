"""The CSV export formats formcheck reads: their columns, and how their values are written.

Strong (older semicolon format with a unit column, newer comma format without one) and Hevy
(weight_kg or weight_lbs). ``docs/training-log.md`` documents the supported columns.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from formcheck.errors import ExportFormatError

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
        raise ValueError(f"unreadable date {text!r}")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
    local = stamp.astimezone(stamp.tzinfo)
    utc = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return utc, local.date()


def parse_number(text: str | None, what: str, *, decimal_comma: bool = False) -> float | None:
    """Return a non-negative number from an export cell, or None for a blank cell.

    Raises
    ------
    ValueError
        If the cell is not a number, or is negative (the message names ``what``).
    """
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
    raise ValueError(f"weight unit {raw!r} is neither kg nor lbs")


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
