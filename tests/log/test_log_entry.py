"""Quick entry parsing (``formcheck log add``) and pain scores."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.errors import EntryParseError
from formcheck.log.entry import local_moment, parse_pain_scores, parse_quick_entry
from formcheck.log.importers import LB_TO_KG


def test_kg_sets_reps_and_rpe() -> None:
    e = parse_quick_entry(["squat", "100kg", "5x5", "@8"])
    assert (e.exercise, e.weight, e.unit, e.sets, e.reps, e.rpe, e.rir) == (
        "squat",
        100,
        "kg",
        5,
        5,
        8,
        2,
    )


def test_pounds_and_rir_fill_rpe() -> None:
    e = parse_quick_entry(["deadlift", "225lb", "3x5", "rir2"])
    assert e.unit == "lb" and e.weight_kg == pytest.approx(225 * LB_TO_KG)
    assert (e.sets, e.reps, e.rir, e.rpe) == (3, 5, 2, 8)


def test_multi_word_names_bodyweight_and_single_sets() -> None:
    e = parse_quick_entry(["front", "squat", "82.5kg", "x3", "@9.5"])
    assert (e.exercise, e.weight, e.sets, e.reps, e.rpe) == ("front squat", 82.5, 1, 3, 9.5)
    bw = parse_quick_entry(["pull", "up", "bw", "3x8"])
    assert bw.weight is None and bw.weight_kg is None


def test_every_problem_is_listed() -> None:
    with pytest.raises(EntryParseError, match=r"no weight .*; no sets x reps"):
        parse_quick_entry(["squat"])
    with pytest.raises(EntryParseError, match="no exercise name"):
        parse_quick_entry(["100kg", "5x5"])
    with pytest.raises(EntryParseError, match=r"RPE 12 outside 1-10"):
        parse_quick_entry(["squat", "100kg", "5x5", "@12"])
    with pytest.raises(EntryParseError, match=r"unrecognised token 'heavy'"):
        parse_quick_entry(["squat", "100kg", "heavy", "5x5"])
    with pytest.raises(EntryParseError, match=r"outside 1-50 x 1-100"):
        parse_quick_entry(["squat", "100kg", "0x5"])


@given(
    w=st.integers(1, 500),
    s=st.integers(1, 50),
    r=st.integers(1, 100),
    unit=st.sampled_from(["kg", "lb", "lbs", "KG"]),
)
def test_property_entry_round_trips(w: int, s: int, r: int, unit: str) -> None:
    e = parse_quick_entry([f"squat {w}{unit} {s}x{r}"])
    assert (e.weight, e.sets, e.reps) == (w, s, r)
    assert e.unit == ("lb" if unit.lower().startswith("lb") else "kg")


def test_pain_scores_are_checked() -> None:
    assert parse_pain_scores({"during": 3}) == {
        "before": None,
        "during": 3,
        "after": None,
        "next_morning": None,
    }
    with pytest.raises(EntryParseError, match=r"--during 11 outside 0-10; --next-morning -1"):
        parse_pain_scores({"during": 11, "next_morning": -1})
    with pytest.raises(EntryParseError, match="no score given"):
        parse_pain_scores({"during": None})


def test_backdated_entry_keeps_its_local_day() -> None:
    now = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    when, local = local_moment(dt.date(2026, 2, 20), "Pacific/Auckland", now)
    assert local == dt.date(2026, 2, 20) and when == dt.datetime(2026, 2, 19, 23, 0)
    when, local = local_moment(None, "Pacific/Auckland", now)
    assert local == dt.date(2026, 3, 2)  # already tomorrow in Auckland


def test_regions_are_normalised_and_checked() -> None:
    from formcheck.log.entry import parse_region

    assert parse_region("Lower back") == "lower_back"
    assert parse_region("upper-back") == "upper_back"
    with pytest.raises(EntryParseError, match=r"expected one of lower_back, .*received 'elbow'"):
        parse_region("elbow")
