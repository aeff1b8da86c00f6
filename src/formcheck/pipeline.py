"""The analysis pipeline, one entry point for every front end.

video -> pose track (:mod:`formcheck.capture`) -> clean signals -> lift -> reps -> view ->
per-rep metrics -> faults (:mod:`formcheck.analysis`).

``analyze_video`` is the Python API of ``formcheck analyze``; ``analyze_track`` runs the
stages after pose estimation, so tests and re-analyses with other settings can start from a
saved track.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from formcheck.capture.people import check_person
from formcheck.config import DEFAULT_STYLE, RuleBook, Settings, load_rules, load_settings
from formcheck.errors import ConfigError
from formcheck.result import Analysis, VideoInfo
from formcheck.track import PoseTrack, slice_track

if TYPE_CHECKING:
    from formcheck.capture.pose import PoseSettings

LIFTS = ("auto", "squat", "deadlift")


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything a front end (CLI, web app, batch) can choose about one analysis.

    ``lift="auto"`` tells a squat from a deadlift from the motion; ``style=None`` takes the
    lift's default preset (high_bar, conventional); ``thresholds`` override fault thresholds
    by fault id; ``settings``, ``pose_settings`` and ``rules`` default to the bundled files;
    ``overrides`` sets values by name, as ``--set`` does: ``section.key`` for the analysis
    settings and ``pose.name`` for the pose settings, each checked against its range;
    ``split_by_view`` analyses each part of a clip that changes camera view on its own
    (the parts land in :attr:`Analysis.parts`). ``person`` picks who to follow when two
    people are in frame (``auto``, ``left``, ``right``, ``largest`` or N from the left);
    ``start_s`` / ``end_s`` analyse only that part of the clip (seconds from its start).
    """

    lift: str = "auto"
    style: str | None = None
    height_cm: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    settings: Settings | None = None
    rules: RuleBook | None = None
    pose_settings: PoseSettings | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)
    cache_dir: Path | None = None
    use_cache: bool = True
    split_by_view: bool = True
    person: str = "auto"
    start_s: float | None = None
    end_s: float | None = None

    def resolved(self) -> AnalysisOptions:
        """Return these options with settings and rules loaded and every choice checked."""
        from formcheck.capture.pose import load_pose_settings

        _check_inputs(self.lift, self.height_cm, self.person, self.start_s, self.end_s)
        rules = self.rules or load_rules()
        # An unknown style, threshold id or a non-finite threshold fails before any work.
        rules.for_style(self.style or DEFAULT_STYLE["squat"], dict(self.thresholds))
        settings = self.settings or load_settings()
        pose = self.pose_settings or load_pose_settings()
        if self.overrides:
            settings, pose = _apply_overrides(settings, pose, dict(self.overrides))
        return replace(self, settings=settings, rules=rules, pose_settings=pose, overrides={})


def _apply_overrides(
    settings: Settings, pose: PoseSettings, overrides: dict[str, float]
) -> tuple[Settings, PoseSettings]:
    """Return both settings tables with ``--set`` style overrides applied and checked."""
    from formcheck.capture.pose import PoseSettings
    from formcheck.settings import apply_overrides

    known = sorted(settings.flat()) + sorted(f"pose.{k}" for k in PoseSettings.model_fields)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ConfigError(f"--set: expected one of {known}, got unknown {unknown}")
    pose_values = {k: v for k, v in overrides.items() if k.startswith("pose.")}
    rest = {k: v for k, v in overrides.items() if not k.startswith("pose.")}
    pose_table = apply_overrides({f"pose.{k}": v for k, v in pose}, pose_values, "--set")
    new_pose = PoseSettings.model_validate({k[5:]: v for k, v in pose_table.items()})
    return settings.with_overrides(rest), new_pose


def _options(options: AnalysisOptions | None, overrides: dict[str, Any]) -> AnalysisOptions:
    """Return ``options`` with keyword shortcuts applied (``analyze_track(t, v, lift=...)``)."""
    base = options or AnalysisOptions()
    if "thresholds" in overrides and overrides["thresholds"] is None:
        overrides["thresholds"] = {}
    return replace(base, **overrides).resolved()


def analyze_track(
    track: PoseTrack,
    video: VideoInfo,
    options: AnalysisOptions | None = None,
    *,
    warnings_in: list[str] | None = None,
    **overrides: Any,
) -> Analysis:
    """Return the analysis of a raw pose track (the stages after pose estimation).

    ``overrides`` are :class:`AnalysisOptions` fields, a shortcut for tests and scripts.
    When the clip changes camera view and ``split_by_view`` is on, each part is analysed
    on its own too and listed in ``parts``.
    """
    opts = _options(options, overrides)
    track, notes = time_window(track, opts.start_s, opts.end_s)
    whole = _analyze_quietly(track, video, opts, [*(warnings_in or []), *notes])
    if opts.split_by_view:
        whole.parts = analyze_by_view(track, video, opts)
    return whole


def time_window(
    track: PoseTrack, start_s: float | None, end_s: float | None
) -> tuple[PoseTrack, list[str]]:
    """Return the frames of ``track`` from ``start_s`` to ``end_s`` and a note saying so."""
    if start_s is None and end_s is None:
        return track, []
    t = track.times_s
    lo = 0.0 if start_s is None else start_s
    hi = float(t[-1]) if end_s is None else end_s
    keep = np.flatnonzero((t >= lo - 1e-9) & (t <= hi + 1e-9))
    if keep.size < 2:
        raise ConfigError(
            f"--start/--end: expected a part of the clip (0-{t[-1]:.1f} s), got {lo:g}-{hi:g} s"
        )
    a, b = int(keep[0]), int(keep[-1]) + 1
    note = (
        f"analysed {t[a]:.1f}-{t[b - 1]:.1f} s of the clip (--start/--end); frame numbers "
        f"count from frame {a}"
    )
    return slice_track(track, a, b), [note]


def analyze_by_view(
    track: PoseTrack, video: VideoInfo, options: AnalysisOptions | None = None
) -> list[Analysis]:
    """Return one analysis per part of a clip that changes view (none when it does not).

    Frame numbers in each part count from the start of the part; times are the clip's.
    """
    from formcheck.analysis.view_split import view_segments

    opts = _options(options, {})
    assert opts.settings is not None
    cuts = view_segments(track, opts.settings)
    if len(cuts) < 2:
        return []
    out = []
    for i, (a, b, view) in enumerate(cuts, start=1):
        part = _analyze_quietly(slice_track(track, a, b), video, opts, None)
        part.warnings.insert(
            0,
            f"part {i} of {len(cuts)} ({track.times_s[a]:.1f}-{track.times_s[b - 1]:.1f} s, "
            f"filmed {view}): the clip changes view, so each part is analysed on its own; "
            f"frame numbers count from {a}",
        )
        out.append(part)
    return out


def _analyze_quietly(
    track: PoseTrack, video: VideoInfo, opts: AnalysisOptions, notes: list[str] | None
) -> Analysis:
    from formcheck.analysis.stages import run_stages

    with warnings.catch_warnings():
        # Landmarks hidden for a whole window give all-NaN slices; NaN is the right answer
        # there and every stage checks for it, so numpy's warning is only noise.
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        assert opts.settings is not None and opts.rules is not None  # set by resolved()
        assert opts.pose_settings is not None
        return run_stages(
            track,
            video,
            min_gap_s=opts.pose_settings.absent_report_s.value,
            lift=opts.lift,
            style=opts.style,
            settings=opts.settings,
            rules=opts.rules,
            thresholds=dict(opts.thresholds),
            height_cm=opts.height_cm,
            warnings=notes,
        )


def _check_inputs(
    lift: str,
    height_cm: float | None,
    person: str = "auto",
    start_s: float | None = None,
    end_s: float | None = None,
) -> None:
    """Raise one ConfigError naming every bad argument."""
    problems = []
    if lift not in LIFTS:
        problems.append(f"--lift: expected one of {LIFTS}, got {lift!r}")
    if height_cm is not None and not 100 <= height_cm <= 250:
        problems.append(f"--height-cm: expected 100-250 cm, got {height_cm:g}")
    try:
        check_person(person)
    except ConfigError as exc:
        problems.append(str(exc))
    for flag, value in (("--start", start_s), ("--end", end_s)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            problems.append(f"{flag}: expected seconds >= 0, got {value:g}")
    if start_s is not None and end_s is not None and end_s <= start_s:
        problems.append(f"--end: expected a time after --start {start_s:g} s, got {end_s:g} s")
    if problems:
        raise ConfigError("; ".join(problems))


def analyze_video(
    path: str | Path,
    options: AnalysisOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    **overrides: Any,
) -> Analysis:
    """Return the analysis of a video file: the one entry point of every front end.

    The options are checked before the pose pass; the raw pose track the analysis was
    made from is kept on :attr:`Analysis.track` (not written to JSON), and a clip that
    changes view carries one analysis per part in :attr:`Analysis.parts`. With the cache
    on, a finished analysis of the same track, options and code is read back instead of
    computed (see :mod:`formcheck.analysis_cache`).
    """
    from formcheck.capture.pose import estimate_track

    opts = _options(options, overrides)
    video, track, pose_warnings = estimate_track(
        path,
        cache_dir=opts.cache_dir,
        use_cache=opts.use_cache,
        progress=progress,
        settings=opts.pose_settings,
        person=opts.person,
    )
    if opts.use_cache:
        analysis = _cached_analysis(track, video, opts, pose_warnings)
    else:
        analysis = analyze_track(track, video, opts, warnings_in=pose_warnings)
    analysis.track = time_window(track, opts.start_s, opts.end_s)[0]
    return analysis


def _cached_analysis(
    track: PoseTrack, video: VideoInfo, opts: AnalysisOptions, pose_warnings: list[str]
) -> Analysis:
    """Return the analysis from the cache, or computed and then kept there."""
    from formcheck import analysis_cache
    from formcheck.capture.pose import cache_folder

    key = analysis_cache.analysis_key(track, video, pose_warnings, opts)
    where = analysis_cache.entry_path(cache_folder(opts.cache_dir), key)
    found = analysis_cache.load_analysis(where, key)
    if found is not None:
        return found
    analysis = analyze_track(track, video, opts, warnings_in=pose_warnings)
    analysis_cache.save_analysis(analysis, where, key)
    return analysis
