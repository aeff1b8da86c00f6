"""formcheck.evaluation on hand-made analysis dicts and labels, and once on the shared labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.errors import LabelsError
from formcheck.evaluation import (
    evaluate,
    evaluation_dict,
    labels_from_items,
    load_analyses,
    load_labels,
    load_phrases,
)

IDS = {
    "squat": ["forward_lean", "depth_shallow", "back_rounding"],
    "deadlift": ["dl_back_rounding", "dl_bar_away", "dl_lockout_hyperextension"],
}


def analysis(stem: str, lift: str, view: str, reps: int, faults: dict[int, list[str]]) -> dict:
    """An analysis dict of schema formcheck.analysis/1 with ``reps`` reps and these faults."""
    return {
        "schema": "formcheck.analysis/1",
        "video": {"path": f"/clips/{stem}.mp4"},
        "lift": lift,
        "view": {"view": view},
        "reps": [
            {
                "index": i,
                "faults": [
                    {"id": f, "severity": "info" if f == "depth_shallow" else "fault"}
                    for f in faults.get(i, [])
                ],
            }
            for i in range(1, reps + 1)
        ],
    }


ITEMS: list[dict[str, Any]] = [
    # good deadlift, seen clean: clean-on-good hit, every deadlift fault a true negative
    {
        "file": "clips/dl_good.mp4",
        "lift": "deadlift",
        "view": "side",
        "reps": 1,
        "faults_expected": "none (labelled Good by its source)",
    },
    # good deadlift flagged with bar_away: a false positive
    {
        "file": "clips/dl_good2.mp4",
        "lift": "deadlift",
        "view": "side",
        "reps": 1,
        "faults_expected": "none (labelled good)",
    },
    # rounded back, found: a true positive (and a dl_bar_away flag says nothing)
    {
        "file": "clips/dl_round.mp4",
        "lift": "deadlift",
        "view": "side",
        "reps": 1,
        "faults_expected": "back rounding (on-screen label)",
    },
    # bar far, missed: a false negative, and flagged-on-bad miss
    {
        "file": "clips/dl_bar.mp4",
        "lift": "deadlift",
        "view": "side",
        "reps": 1,
        "faults_expected": "bar too far from the body (on-screen label)",
    },
    # squat with a wrong rep count and view; no fault labels at all
    {"file": "clips/sq.mp4", "lift": "squat", "view": "front", "reps": 3},
    # labelled but never analysed: missing counts as wrong
    {
        "file": "clips/gone.mp4",
        "lift": "squat",
        "view": "side",
        "reps": 2,
        "verdict": "bad",
        "faults_present": ["forward_lean"],
    },
    # a keypoint data set: skipped
    {"file": "keypoints/x", "what": "landmarks"},
]
ANALYSES = {
    "dl_good": analysis("dl_good", "deadlift", "side", 1, {}),
    "dl_good2": analysis("dl_good2", "deadlift", "side", 1, {1: ["dl_bar_away"]}),
    "dl_round": analysis(
        "dl_round", "deadlift", "side", 1, {1: ["dl_back_rounding", "dl_bar_away"]}
    ),
    "dl_bar": analysis("dl_bar", "deadlift", "oblique", 2, {}),
    "sq": analysis("sq", "squat", "side", 2, {1: ["forward_lean", "depth_shallow"]}),
    "extra": analysis("extra", "squat", "side", 1, {}),
}


@pytest.fixture
def ev():
    labels = labels_from_items(ITEMS, IDS, load_phrases())
    return evaluate(ANALYSES, labels)


def test_totals_count_hits_and_missing_clips_as_wrong(ev) -> None:
    t = ev.totals()
    assert t["clips"] == 6 and t["missing"] == 1 and t["unlabelled"] == 1
    # exact reps: dl_good, dl_good2, dl_round right; dl_bar (2 vs 1), sq (2 vs 3), gone wrong
    assert (t["exact_reps"]["hit"], t["exact_reps"]["of"]) == (3, 6)
    assert (t["view"]["hit"], t["view"]["of"]) == (3, 6)  # dl_bar oblique, sq side, gone
    assert (t["lift"]["hit"], t["lift"]["of"]) == (5, 6)
    assert (t["clean_on_good"]["hit"], t["clean_on_good"]["of"]) == (1, 2)
    # bad: dl_round flagged, dl_bar not, gone missing
    assert (t["flagged_on_bad"]["hit"], t["flagged_on_bad"]["of"]) == (1, 3)


def test_per_fault_counts_precision_recall_f1(ev) -> None:
    by = {f.id: f for f in ev.faults}
    bar = by["dl_bar_away"]
    # flagged on dl_good2 (labelled absent) -> fp; labelled on dl_bar, missed -> fn;
    # flagged on dl_round, whose label says nothing about the bar -> not counted
    assert (bar.tp, bar.fp, bar.fn, bar.tn) == (0, 1, 1, 1)
    assert bar.precision == 0.0 and bar.recall == 0.0 and bar.f1 == 0.0
    rnd = by["dl_back_rounding"]
    assert (rnd.tp, rnd.fp, rnd.fn, rnd.tn) == (1, 0, 0, 2)
    assert rnd.precision == rnd.recall == rnd.f1 == 1.0
    lean = by["forward_lean"]  # only the missing clip speaks about it
    assert (lean.tp, lean.fp, lean.fn) == (0, 0, 1)
    assert lean.precision is None and lean.recall == 0.0 and lean.f1 is None
    assert "depth_shallow" not in by  # no label speaks about it


def test_info_faults_do_not_count_as_flags() -> None:
    labels = labels_from_items(
        [{"file": "a.mp4", "lift": "squat", "reps": 2, "faults_expected": "none"}],
        IDS,
        load_phrases(),
    )
    only_info = {"a": analysis("a", "squat", "side", 2, {1: ["depth_shallow"]})}
    assert evaluate(only_info, labels).totals()["clean_on_good"]["hit"] == 1
    flagged = {"a": analysis("a", "squat", "side", 2, {1: ["forward_lean"]})}
    assert evaluate(flagged, labels).totals()["clean_on_good"]["hit"] == 0
    strict = evaluate(only_info, labels, severities={"fault", "info"})
    assert strict.totals()["clean_on_good"]["hit"] == 0


def test_structured_labels_win_over_text() -> None:
    labels = labels_from_items(
        [
            {
                "file": "b.mp4",
                "lift": "deadlift",
                "verdict": "good",
                "faults_absent": "all",
                "faults_expected": "back rounding",
            }
        ],
        IDS,
        load_phrases(),
    )
    b = labels["b"]
    assert b.verdict == "good" and b.present == frozenset()
    assert b.absent == frozenset(IDS["deadlift"])


@pytest.mark.parametrize(
    "item,match",
    [
        ({"file": "a.mp4", "lift": "bench"}, r"expected lift in .*got 'bench'"),
        ({"file": "a.mp4", "lift": "squat", "reps": -1}, r"expected reps .* got -1"),
        ({"file": "a.mp4", "lift": "squat", "faults_expected": "wobbly"}, r"match a phrase"),
        (
            {"file": "a.mp4", "lift": "squat", "faults_present": ["nope"]},
            r"rules.toml, got \['nope'\]",
        ),
        ({"lift": "squat"}, r"item 0: expected an object with a 'file'"),
    ],
)
def test_bad_labels_raise_a_named_error(item: dict, match: str) -> None:
    with pytest.raises(LabelsError, match=match):
        labels_from_items([item], IDS, load_phrases())


def test_every_problem_is_reported_at_once() -> None:
    items = [{"file": "a.mp4", "lift": "bench"}, {"file": "b.mp4", "lift": "squat", "reps": 1.5}]
    with pytest.raises(LabelsError, match=r"a\.mp4.*; b\.mp4"):
        labels_from_items(items, IDS, load_phrases())


def test_load_files_and_json_round_trip(tmp_path: Path, ev) -> None:
    labels = tmp_path / "clips.json"
    labels.write_text(json.dumps({"items": ITEMS}))
    folder = tmp_path / "analyses"
    folder.mkdir()
    for stem, a in ANALYSES.items():
        (folder / f"{stem}.json").write_text(json.dumps(a))
    (folder / "sq.part1.json").write_text(json.dumps(ANALYSES["sq"]))  # parts are skipped
    (folder / "notes.json").write_text("[1, 2]")  # not an analysis: ignored
    again = evaluate(load_analyses(folder), load_labels(labels, IDS))
    doc = json.loads(json.dumps(evaluation_dict(again)))
    assert doc["totals"] == json.loads(json.dumps(ev.totals()))
    with pytest.raises(LabelsError, match="expected a readable JSON labels file"):
        load_labels(tmp_path / "nope.json", IDS)
    with pytest.raises(LabelsError, match="--analyses: expected a folder"):
        load_analyses(tmp_path / "nope")


def test_every_shared_label_is_understood(shared_data: Path) -> None:
    from formcheck.config import load_rules

    rules = load_rules()
    ids: dict[str, list[str]] = {}
    for fid, r in rules.faults.items():
        ids.setdefault(r.lift, []).append(fid)
    labels = load_labels(shared_data / "clips.json", ids)
    assert len(labels) == 29
    assert labels["side_deadlift_bad_rounded_back"].present == {"dl_back_rounding"}
    assert labels["side_deadlift_good_a"].verdict == "good"
    assert labels["oblique_deadlift_bad_a"].verdict == "bad"
    assert labels["side_deadlift_good_a"].absent == frozenset(ids["deadlift"])


FAULTS = IDS["deadlift"]


@st.composite
def labelled_runs(draw: st.DrawFn) -> tuple[dict, list[dict]]:
    """Random deadlift clips: each with a label (good, one named fault, or none) and flags."""
    n = draw(st.integers(1, 12))
    items, analyses = [], {}
    for i in range(n):
        kind = draw(st.sampled_from(["good", "fault", "unlabelled"]))
        item: dict[str, Any] = {"file": f"c{i}.mp4", "lift": "deadlift", "reps": 1}
        if kind == "good":
            item["faults_expected"] = "none"
        elif kind == "fault":
            item.update(verdict="bad", faults_present=[draw(st.sampled_from(FAULTS))])
        items.append(item)
        flags = draw(st.lists(st.sampled_from(FAULTS), max_size=3))
        analyses[f"c{i}"] = analysis(f"c{i}", "deadlift", "side", 1, {1: flags})
    return analyses, items


@given(labelled_runs())
@settings(max_examples=60, deadline=None)
def test_fault_counts_add_up_and_rates_stay_in_range(run: tuple[dict, list[dict]]) -> None:
    analyses, items = run
    ev = evaluate(analyses, labels_from_items(items, IDS, load_phrases()))
    for f in ev.faults:
        present = sum(f.id in c.label.present for c in ev.clips)
        absent = sum(f.id in c.label.absent for c in ev.clips)
        assert f.tp + f.fn == present and f.fp + f.tn == absent
        for rate in (f.precision, f.recall, f.f1):
            assert rate is None or 0.0 <= rate <= 1.0
    # the order of the clips changes nothing
    again = evaluate(
        dict(reversed(analyses.items())), labels_from_items(items[::-1], IDS, load_phrases())
    )
    assert again.totals() == ev.totals()
