"""Analytics and advice on a log built through the library, as of a fixed day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.errors import ConfigError, StoredResultError
from formcheck.log import records
from formcheck.log.advice import DISCLAIMER, advise
from formcheck.log.analytics import ACWR_NOTE, estimate_one_rep_max
from formcheck.log.db import LogDatabase
from formcheck.log.entry import parse_quick_entry, record_entry
from formcheck.log.findings import build_report, training_context
from formcheck.log.rules import default_rules, load_rules
from formcheck.result import Analysis, Fault, Rep, VideoInfo, ViewResult

AS_OF = dt.datetime(2026, 6, 14, 20, 0)  # a Sunday evening, UTC


def day(n: int) -> dt.date:
    """Return the date n days before AS_OF."""
    return AS_OF.date() - dt.timedelta(days=n)


def add(db: LogDatabase, text: str, days_ago: int, hour: int = 18) -> None:
    when = dt.datetime.combine(day(days_ago), dt.time(hour))
    record_entry(db, parse_quick_entry(text.split()), when=when, local_date=day(days_ago), tz="UTC")


def pain(db: LogDatabase, region: str, days_ago: int, **scores: int) -> None:
    full = {k: scores.get(k) for k in ("before", "during", "after", "next_morning")}
    when = dt.datetime.combine(day(days_ago), dt.time(21))
    records.add_pain(db, region, full, when, day(days_ago))


def analysis(sha: str, faults: list[str]) -> dict:
    reps = [
        Rep(
            index=1,
            start_frame=0,
            bottom_frame=30,
            end_frame=60,
            start_s=0,
            bottom_s=1,
            end_s=2,
            partial=False,
            faults=[
                Fault(
                    id=f,
                    title=f,
                    rep_index=1,
                    severity="fault",
                    value=55.0,
                    threshold=50.0,
                    unit="deg",
                    comparison="> 50 deg",
                    evidence="trunk 55 deg",
                    soreness=["lower_back"],
                    cue="chest up",
                    frame_range=(20, 40),
                    worst_frame=30,
                )
                for f in faults
            ],
        )
    ]
    video = VideoInfo(
        path="squat.mp4",
        sha256=sha,
        fps=30,
        frames=60,
        duration_s=2,
        width=720,
        height=1280,
        rotation=0,
        codec="h264",
    )
    view = ViewResult(view="side", facing="left", near_side="left", confidence=0.9, reason="")
    return Analysis(
        video=video, lift="squat", style="high_bar", view=view, reps=reps, warnings=[], summary=[]
    ).to_dict()


def steady_weeks(db: LogDatabase, weeks: range, kg: int = 100) -> None:
    for w in weeks:
        add(db, f"squat {kg}kg 5x5 @7", 7 * w + 3)


def test_epley_and_brzycki_with_band() -> None:
    est = estimate_one_rep_max(100, 5)
    assert est is not None
    assert est.epley == pytest.approx(116.667, abs=1e-3)
    assert est.brzycki == pytest.approx(112.5)
    assert est.low == pytest.approx(112.5 * 0.97) and est.high == pytest.approx(
        116.667 * 1.03, abs=1e-3
    )
    wide = estimate_one_rep_max(100, 8)
    assert wide is not None and wide.high / wide.epley == pytest.approx(1.06)
    assert estimate_one_rep_max(100, 1).estimate == 100
    assert estimate_one_rep_max(100, 11) is None  # beyond 10 reps the formulas are unreliable
    assert estimate_one_rep_max(None, 5) is None


@given(w=st.floats(20, 400), r=st.integers(1, 10))
def test_property_e1rm_band_holds_both_formulas_and_grows_with_reps(w: float, r: int) -> None:
    est = estimate_one_rep_max(w, r)
    assert est is not None
    assert (
        est.low
        <= min(est.epley, est.brzycki)
        <= est.estimate
        <= max(est.epley, est.brzycki)
        <= est.high
    )
    assert est.estimate >= w
    if r < 10:
        nxt = estimate_one_rep_max(w, r + 1)
        assert nxt is not None and nxt.estimate > est.estimate


def test_steady_training_gives_keep_training(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 6))
    report = build_report(db, AS_OF)
    assert report.warnings == []
    assert report.loads["squat"].acute_kg == 2500
    assert report.loads["squat"].acute_chronic_ratio == pytest.approx(1.0)
    assert report.loads["squat"].week_over_week_pct == pytest.approx(0.0)
    assert [a.kind for a in advise(report)] == ["keep"]


def test_week_over_week_jump_and_acwr_are_descriptive(db: LogDatabase) -> None:
    steady_weeks(db, range(1, 6))
    add(db, "squat 100kg 5x5 @7", 3)
    add(db, "squat 100kg 5x5 @7", 5)  # double the usual week
    report = build_report(db, AS_OF)
    codes = {w.code: w for w in report.warnings}
    jump = codes["week_over_week_jump"]
    assert jump.values["pct"] == 100.0 and "5,000 kg" in jump.message and "2,500 kg" in jump.message
    ratio = codes["acute_chronic_high"]
    assert ratio.values["ratio"] == 2.0
    assert ACWR_NOTE in ratio.message and "not an injury predictor" in ratio.message
    assert report.context.week_over_week_increase_pct == 100.0
    assert report.context.acute_chronic_ratio == 2.0
    assert "hold" in [a.kind for a in advise(report)]


def test_recovery_gap_after_heavy_deadlift(db: LogDatabase) -> None:
    steady_weeks(db, range(1, 4))
    add(db, "deadlift 180kg 3x3 @9", 1, hour=8)  # 36 h before AS_OF
    report = build_report(db, AS_OF)
    gap = next(w for w in report.warnings if w.code == "recovery_gap")
    assert gap.values["hours"] == 36.0 and "48 h" in gap.message
    assert report.context.hours_since_last_heavy_session == 36.0
    rest = next(a for a in advise(report) if a.kind == "rest")
    assert "12 h more" in rest.action


def test_heavy_squat_and_deadlift_same_day(db: LogDatabase) -> None:
    add(db, "squat 140kg 3x3 @9", 4)
    add(db, "deadlift 180kg 2x3 @9", 4)
    report = build_report(db, AS_OF)
    assert "heavy_same_day" in {w.code for w in report.warnings}


def test_rule_of_twos_breach_backs_off_and_suggests_front_squats(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 4), kg=120)
    pain(db, "lower_back", 3, before=1, during=4, after=2, next_morning=1)
    report = build_report(db, AS_OF)
    breach = next(w for w in report.warnings if w.code == "rule_of_twos")
    assert "during 4/10 vs baseline 1/10 (+3, allowed +2)" in breach.message
    assert report.context.rule_of_twos_breaches == 1
    kinds = [a.kind for a in advise(report)]
    assert kinds[:2] == ["back_off", "front_squat"] and "film" in kinds
    back_off = advise(report)[0]
    assert "120.0 kg x 5 -> about 108.0 kg x 7" in back_off.action


def test_within_rule_of_twos_is_no_breach(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 4))
    pain(db, "lower_back", 3, before=2, during=4, after=3, next_morning=2)
    report = build_report(db, AS_OF)
    assert report.breaches == [] and report.context.rule_of_twos_breaches == 0


def test_repeated_breaches_and_rising_pain_call_for_a_deload(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 4))
    for n, (during, nm) in enumerate([(2, 0), (3, 1), (5, 2), (6, 3)]):
        pain(db, "lower_back", 20 - 5 * n, before=0, during=during, next_morning=nm)
    report = build_report(db, AS_OF)
    trend = report.pain_trends["lower_back"]
    assert trend.direction == "rising" and trend.slope_per_report == pytest.approx(
        1.4
    )  # worst 2,3,5,6
    assert report.context.pain_trend == {"lower_back": "rising"}
    assert report.consecutive_breaches["lower_back"] == 3
    assert advise(report)[0].kind == "deload"
    assert {"pain_rising", "pain_high"} <= {w.code for w in report.warnings}


def test_front_squat_advice_is_skipped_when_already_front_squatting(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 3))
    add(db, "front squat 80kg 3x5", 2)
    pain(db, "lower_back", 2, before=0, during=4)
    assert "front_squat" not in [a.kind for a in advise(build_report(db, AS_OF))]


def test_recurring_faults_across_videos_say_film_the_next_set(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 3))
    when = dt.datetime.combine(day(10), dt.time(19))
    records.add_analysis(db, analysis("a" * 64, ["forward_lean", "heels_lift"]), when, day(10))
    when = dt.datetime.combine(day(3), dt.time(19))
    records.add_analysis(db, analysis("b" * 64, ["forward_lean"]), when, day(3))
    _, sid, new = records.add_analysis(db, analysis("b" * 64, ["forward_lean"]), when, day(3))
    assert new is False and sid is not None  # same video twice is stored once, linked to a session
    report = build_report(db, AS_OF)
    assert report.recurring_faults == {"forward_lean": 2}
    film = next(a for a in advise(report) if a.kind == "film")
    assert "'forward_lean' recurs in 2 analysed videos" in film.reason


def test_red_flag_triage_overrides_every_other_rule(db: LogDatabase) -> None:
    steady_weeks(db, range(1, 6))
    add(db, "squat 100kg 10x5", 2)
    pain(db, "lower_back", 2, before=0, during=6)
    when = dt.datetime.combine(day(1), dt.time(9))
    records.add_triage(
        db, {"verdict": "SEE A PROFESSIONAL", "reasons": ["pain below the knee"]}, when, day(1)
    )
    advice = advise(build_report(db, AS_OF))
    assert [a.kind for a in advice] == ["red_flag"]
    assert "SEE A PROFESSIONAL" in advice[0].reason
    assert "not a doctor" in DISCLAIMER


def test_keep_training_triage_does_not_override(db: LogDatabase) -> None:
    steady_weeks(db, range(0, 4))
    records.add_triage(db, {"verdict": "keep_training"}, AS_OF - dt.timedelta(days=1), day(1))
    assert [a.kind for a in advise(build_report(db, AS_OF))] == ["keep"]


def test_training_context_is_small_and_typed(db: LogDatabase) -> None:
    ctx = training_context(db, AS_OF)
    assert ctx.week_over_week_increase_pct is None and ctx.acute_chronic_ratio is None
    assert ctx.hours_since_last_heavy_session is None
    assert ctx.pain_trend == {} and ctx.rule_of_twos_breaches == 0


def test_stored_results_with_the_wrong_shape_are_named_errors(db: LogDatabase) -> None:
    with pytest.raises(StoredResultError, match=r"schema 'formcheck\.analysis/1', received 'x/2'"):
        records.add_analysis(db, {"schema": "x/2"}, AS_OF, AS_OF.date())
    bad = analysis("c" * 64, ["lean"])
    bad["reps"][0]["faults"][0].pop("id")
    with pytest.raises(StoredResultError, match="fault without a string 'id'"):
        records.add_analysis(db, bad, AS_OF, AS_OF.date())
    with pytest.raises(StoredResultError, match="string 'verdict'"):
        records.add_triage(db, {"level": "urgent"}, AS_OF, AS_OF.date())
    assert records.count_rows(db)["video_analyses"] == 0


def test_thresholds_file_has_unit_and_source_everywhere(tmp_path) -> None:
    rules = default_rules()
    for section in ("e1rm", "load", "recovery", "pain", "video", "advice"):
        for name, entry in getattr(rules, section):
            assert entry.unit and entry.source, f"{section}.{name}"
    assert rules.load.week_over_week_increase.value == 10
    assert rules.recovery.heavy_gap.value == 48 and rules.recovery.heavy_gap.unit == "h"
    assert rules.pain.rule_of_twos_rise.value == 2
    assert rules.lift_of("Pause Squat (Barbell)") == "squat"
    assert rules.lift_of("Goblet Squat") == "other"
    broken = tmp_path / "t.toml"
    broken.write_text("[e1rm]\nmax_reps = { value = 10 }\n")
    with pytest.raises(ConfigError, match=r"e1rm\.max_reps\.unit"):
        load_rules(broken)
