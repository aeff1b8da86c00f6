"""The finished-analysis cache: a hit gives back exactly what the stages compute, and any
change to what the analysis reads (track, options, settings, code) misses."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck import analysis_cache
from formcheck.capture import fingerprint
from formcheck.config import load_settings
from formcheck.output import analysis_json
from formcheck.pipeline import AnalysisOptions, analyze_track
from formcheck.result import Analysis
from tests.conftest import fixture_video, load_fixture_track
from tests.test_segments import _then

# One track per lift and view, and one with several reps of a bad deadlift.
TRACKS = ["side_bodyweight_squat_2reps", "front_barbell_back_squat_3reps", "side_deadlift_2reps",
          "side_deadlift_bad_bar_far"]  # fmt: skip


def _same(a: Analysis, b: Analysis) -> None:
    assert analysis_json(a) == analysis_json(b)  # the JSON the CLI writes, byte for byte
    assert a.to_dict() == b.to_dict()  # and the objects (tuples, NaN-free equality aside)
    assert list(a.series) == list(b.series)
    for name in a.series:
        assert a.series[name].dtype == b.series[name].dtype
        np.testing.assert_array_equal(a.series[name], b.series[name])
    assert (a.times_s is None) == (b.times_s is None)
    if a.times_s is not None:
        np.testing.assert_array_equal(a.times_s, b.times_s)
    assert [f.frame_range for f in a.faults] == [f.frame_range for f in b.faults]
    assert len(a.parts) == len(b.parts)
    for pa, pb in zip(a.parts, b.parts, strict=True):
        _same(pa, pb)


@pytest.mark.parametrize("name", TRACKS)
def test_a_cached_analysis_reads_back_equal_to_the_computed_one(name: str, tmp_path: Path) -> None:
    track = load_fixture_track(name)
    video = fixture_video(track)
    opts = AnalysisOptions().resolved()
    computed = analyze_track(track, video, opts, warnings_in=["a pose warning"])
    key = analysis_cache.analysis_key(track, video, ["a pose warning"], opts)
    where = analysis_cache.entry_path(tmp_path, key)
    assert analysis_cache.save_analysis(computed, where, key)
    found = analysis_cache.load_analysis(where, key)
    assert found is not None
    _same(computed, found)


def test_a_view_change_keeps_its_parts(tmp_path: Path) -> None:
    # Side on, then from the front: two real tracks joined, so the analysis has parts.
    joined = _then(
        load_fixture_track("side_bodyweight_squat_2reps"),
        load_fixture_track("front_barbell_back_squat_3reps"),
    )
    video = fixture_video(joined)
    opts = AnalysisOptions().resolved()
    computed = analyze_track(joined, video, opts)
    assert computed.parts, "expected the joined clip to be split by view"
    key = analysis_cache.analysis_key(joined, video, [], opts)
    where = analysis_cache.entry_path(tmp_path, key)
    analysis_cache.save_analysis(computed, where, key)
    found = analysis_cache.load_analysis(where, key)
    assert found is not None
    _same(computed, found)


def _key(**changes: Any) -> str:
    track = load_fixture_track("side_bodyweight_squat_2reps")
    opts = dataclasses.replace(AnalysisOptions(), **changes).resolved()
    return analysis_cache.analysis_key(track, fixture_video(track), [], opts)


# A different value for every option; a new AnalysisOptions field fails the test below
# until it is given one here (or is listed as not an input of the analysis).
OTHER_VALUE: dict[str, Any] = {
    "lift": "deadlift",
    "style": "low_bar",
    "height_cm": 180.0,
    "thresholds": {"forward_lean": 50.0},
    "settings": load_settings().with_overrides({"signals.lowpass_hz": 5.0}),
    "rules": None,  # replaced in the test: a rule book with one threshold changed
    "pose_settings": None,  # replaced in the test: one pose setting changed
    "overrides": {"signals.lowpass_hz": 5.0},
    "split_by_view": False,
    "person": "left",
    "start_s": 1.0,
    "end_s": 5.0,
}


def test_every_option_that_the_analysis_reads_is_in_the_key() -> None:
    from formcheck.capture.pose import load_pose_settings
    from formcheck.config import load_rules

    rules = load_rules()
    fid = next(iter(rules.faults))
    faults = {**rules.faults, fid: rules.faults[fid].model_copy(update={"threshold": 1.5})}
    other = {
        **OTHER_VALUE,
        "rules": rules.model_copy(update={"faults": faults}),
        "pose_settings": load_pose_settings(absent_report_s=2.5),
    }
    names = {f.name for f in dataclasses.fields(AnalysisOptions)}
    assert names - set(other) == set(analysis_cache._NOT_INPUTS)
    base = _key()
    for name, value in other.items():
        assert _key(**{name: value}) != base, f"changing {name} must miss the cache"
    # Where the cache lives is not an input of the analysis.
    assert _key(cache_dir=Path("/elsewhere"), use_cache=False) == base


def test_a_changed_track_or_video_misses() -> None:
    track = load_fixture_track("side_bodyweight_squat_2reps")
    video = fixture_video(track)
    opts = AnalysisOptions().resolved()
    base = analysis_cache.analysis_key(track, video, [], opts)
    moved = track.image_xy.copy()
    moved[10, 0, 0] += 1e-9
    changed = [
        dataclasses.replace(track, image_xy=moved),
        track.with_history("pose: loaded from cache x.npz"),
        dataclasses.replace(track, fps=track.fps * 2),
    ]
    for other in changed:
        assert analysis_cache.analysis_key(other, video, [], opts) != base
    assert analysis_cache.analysis_key(track, video, ["a warning"], opts) != base
    renamed = dataclasses.replace(video, path="elsewhere.mp4")  # the JSON echoes the path
    assert analysis_cache.analysis_key(track, renamed, [], opts) != base


def test_a_changed_source_file_misses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The code digest covers the package's files; a copy with one byte more digests apart.
    base = fingerprint.code_digest()
    monkeypatch.setattr(fingerprint, "_code_digest", None)
    fake = tmp_path / "formcheck"
    (fake / "capture").mkdir(parents=True)
    (fake / "stages.py").write_text("x = 1\n")
    (fake / "capture" / "fingerprint.py").write_text("")
    monkeypatch.setattr(fingerprint, "__file__", str(fake / "capture" / "fingerprint.py"))
    first = fingerprint.code_digest()
    monkeypatch.setattr(fingerprint, "_code_digest", None)
    (fake / "stages.py").write_text("x = 2\n")
    assert fingerprint.code_digest() != first
    assert first != base


def test_an_unreadable_or_foreign_entry_is_a_miss(tmp_path: Path) -> None:
    track = load_fixture_track("side_bodyweight_squat_2reps")
    video = fixture_video(track)
    opts = AnalysisOptions().resolved()
    key = analysis_cache.analysis_key(track, video, [], opts)
    where = analysis_cache.entry_path(tmp_path, key)
    assert analysis_cache.load_analysis(where, key) is None  # absent
    where.parent.mkdir(parents=True)
    where.write_bytes(b"not an npz")
    assert analysis_cache.load_analysis(where, key) is None  # damaged
    analysis_cache.save_analysis(analyze_track(track, video, opts), where, key)
    assert analysis_cache.load_analysis(where, "0" * 64) is None  # another key's entry
    assert analysis_cache.load_analysis(where, key) is not None
