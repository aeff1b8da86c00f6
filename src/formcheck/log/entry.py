"""Quick entry of sets (``formcheck log add squat 100kg 5x5 @8``) and of pain scores."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from formcheck.errors import EntryParseError
from formcheck.log.db import LogDatabase
from formcheck.log.formats import check_day, check_weight
from formcheck.log.importers import LB_TO_KG
from formcheck.log.models import SetEntry
from formcheck.log.records import ensure_lifter, exercise_ids, session_for_day
from formcheck.log.rules import LogRules, default_rules

_WEIGHT = re.compile(r"^(\d+(?:[.,]\d+)?)(kg|kgs|lb|lbs)$", re.I)
_SETS_REPS = re.compile(r"^(\d+)[x×*](\d+)$", re.I)
_RPE = re.compile(r"^@(\d+(?:[.,]\d+)?)$")
_RIR = re.compile(r"^rir(\d+(?:[.,]\d+)?)$", re.I)
PAIN_FIELDS = ("before", "during", "after", "next_morning")


@dataclass(frozen=True)
class QuickEntry:
    """Sets of one exercise as typed on the command line."""

    exercise: str
    weight: float | None  # None = bodyweight
    unit: str  # "kg" | "lb"
    sets: int
    reps: int
    rpe: float | None
    rir: float | None

    @property
    def weight_kg(self) -> float | None:
        """Return the weight in kilograms (None for bodyweight)."""
        if self.weight is None:
            return None
        return self.weight * LB_TO_KG if self.unit == "lb" else self.weight


def _num(text: str) -> float:
    return float(text.replace(",", "."))


@dataclass
class _Tokens:
    name: list[str] = field(default_factory=list)
    weight: float | None = None
    unit: str = "kg"
    seen_weight: bool = False
    sets_reps: tuple[int, int] | None = None
    rpe: float | None = None
    rir: float | None = None
    problems: list[str] = field(default_factory=list)


def _read_token(t: _Tokens, tok: str) -> None:
    if m := _WEIGHT.match(tok):
        t.weight, t.seen_weight = _num(m[1]), True
        t.unit = "lb" if m[2].lower().startswith("lb") else "kg"
    elif tok.lower() in ("bw", "bodyweight"):
        t.weight, t.seen_weight = None, True
    elif m := _SETS_REPS.match(tok):
        t.sets_reps = (int(m[1]), int(m[2]))
    elif re.fullmatch(r"x\d+", tok, re.I):
        t.sets_reps = (1, int(tok[1:]))
    elif m := _RPE.match(tok):
        t.rpe = _num(m[1])
    elif m := _RIR.match(tok):
        t.rir = _num(m[1])
    elif not t.seen_weight and t.sets_reps is None:
        t.name.append(tok)
    else:
        t.problems.append(f"unrecognised token {tok!r}")


def _check_tokens(t: _Tokens) -> list[str]:
    problems = list(t.problems)
    if not t.name:
        problems.append("no exercise name before the numbers")
    if not t.seen_weight:
        problems.append("no weight (e.g. 100kg, 225lb or bw)")
    if t.sets_reps is None:
        problems.append("no sets x reps (e.g. 5x5)")
    elif not (1 <= t.sets_reps[0] <= 50 and 1 <= t.sets_reps[1] <= 100):
        problems.append(f"sets x reps {t.sets_reps[0]}x{t.sets_reps[1]} outside 1-50 x 1-100")
    if t.weight is not None:
        try:
            check_weight(t.weight, t.unit)
        except ValueError as exc:
            problems.append(str(exc))
    if t.rpe is not None and not 1 <= t.rpe <= 10:
        problems.append(f"RPE {t.rpe:g} outside 1-10")
    if t.rir is not None and not 0 <= t.rir <= 10:
        problems.append(f"RIR {t.rir:g} outside 0-10")
    return problems


def parse_quick_entry(tokens: list[str]) -> QuickEntry:
    """Return the entry that tokens such as ``squat 100kg 5x5 @8`` describe.

    The exercise name is every word before the first weight / sets token. Weight is
    ``100kg``, ``225lb`` or ``bw``; sets x reps is ``5x5`` (or a bare rep count ``x5`` = one
    set); effort is ``@8`` (RPE) or ``rir2``; RPE and RIR are linked by RPE = 10 - RIR
    (Zourdos JSCR 2016), so giving one fills the other.

    Raises
    ------
    EntryParseError
        If the name, the sets x reps or a token is missing or unreadable (all listed).
    """
    words = " ".join(tokens).split()
    t = _Tokens()
    for tok in words:
        _read_token(t, tok)
    problems = _check_tokens(t)
    if problems or t.sets_reps is None:
        raise EntryParseError(
            "expected e.g. 'squat 100kg 5x5 @8' or 'deadlift 225lb 3x5 rir2', received "
            f"{' '.join(words)!r}: " + "; ".join(problems)
        )
    rpe, rir = t.rpe, t.rir
    if rpe is None and rir is not None:
        rpe = max(1.0, 10 - rir)
    elif rir is None and rpe is not None:
        rir = 10 - rpe
    return QuickEntry(" ".join(t.name), t.weight, t.unit, t.sets_reps[0], t.sets_reps[1], rpe, rir)


def local_moment(
    date: dt.date | None, tz: str, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.date]:
    """Return (naive UTC time, local date) for an entry made on ``date`` (default: now).

    Raises
    ------
    EntryParseError
        When ``date`` is before 1900 or more than a year ahead.
    """
    zone = ZoneInfo(tz)
    current = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    if date is not None:
        try:
            check_day(date, "--date", today=current.date())
        except ValueError as exc:
            raise EntryParseError(f"expected a plausible day; {exc}") from exc
    if date is not None and date != current.date():
        # A back-dated entry has no known time of day; noon keeps it on that local date.
        current = dt.datetime.combine(date, dt.time(12, 0), tzinfo=zone)
    return current.astimezone(dt.UTC).replace(tzinfo=None), current.date()


def record_entry(
    db: LogDatabase,
    entry: QuickEntry,
    *,
    when: dt.datetime,
    local_date: dt.date,
    tz: str,
    warmup: bool = False,
    notes: str = "",
    rules: LogRules | None = None,
) -> tuple[int, int]:
    """Return (session id, number of sets added) after storing one quick entry."""
    rules = rules or default_rules()
    with db.transaction() as s:
        lifter = ensure_lifter(s)
        session = session_for_day(s, lifter.id, local_date, tz, when)
        ex_id = exercise_ids(s, [entry.exercise], rules)[entry.exercise]
        position = (
            s.scalar(
                select(func.coalesce(func.max(SetEntry.position), 0)).where(
                    SetEntry.session_id == session.id
                )
            )
            or 0
        )
        done = (
            s.scalar(
                select(func.count()).where(
                    SetEntry.session_id == session.id, SetEntry.exercise_id == ex_id
                )
            )
            or 0
        )
        for i in range(entry.sets):
            s.add(
                SetEntry(
                    session_id=session.id,
                    exercise_id=ex_id,
                    position=position + i + 1,
                    set_index=done + i + 1,
                    weight_kg=entry.weight_kg,
                    weight_original=entry.weight,
                    unit=entry.unit,
                    reps=entry.reps,
                    rpe=entry.rpe,
                    rir=entry.rir,
                    warmup=warmup,
                    set_type="warmup" if warmup else "normal",
                    superset=None,
                    distance_m=None,
                    seconds=None,
                    notes=notes,
                    # Manual sets are never duplicates of each other: each gets a fresh key.
                    source_key=hashlib.sha1(uuid.uuid4().bytes).hexdigest(),
                )
            )
        return session.id, entry.sets


def parse_region(region: str, rules: LogRules | None = None) -> str:
    """Return the pain region name, normalised (``Lower back`` -> ``lower_back``).

    Raises
    ------
    EntryParseError
        If the region is not one of the configured regions (they are listed).
    """
    names = (rules or default_rules()).regions.names
    key = region.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in names:
        raise EntryParseError(f"region: expected one of {', '.join(names)}, received {region!r}")
    return key


def parse_pain_scores(values: dict[str, int | None]) -> dict[str, int | None]:
    """Return the 0-10 pain scores, checked.

    Raises
    ------
    EntryParseError
        If no score is given or any is outside 0-10 (all listed).
    """
    problems = [
        f"--{k.replace('_', '-')} {v} outside 0-10"
        for k, v in values.items()
        if v is not None and not 0 <= v <= 10
    ]
    if all(v is None for v in values.values()):
        problems.append("no score given (use --before/--during/--after/--next-morning)")
    if problems:
        raise EntryParseError("expected pain scores from 0 to 10: " + "; ".join(problems))
    return {k: values.get(k) for k in PAIN_FIELDS}
