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

from formcheck.analysis.back import add_rounding
from formcheck.analysis.confidence import Footage
from formcheck.analysis.cuts import clean_by_shot, find_cuts
from formcheck.analysis.deadlift import hinge_metrics, pull_metrics
from formcheck.analysis.depth import HipJoints, add_uncertainty, hip_joint_centres
from formcheck.analysis.faults import find_faults, not_judged_notes, summarize
from formcheck.analysis.lift import detect_lift, hinge_style_check, lift_cues
from formcheck.analysis.nanmath import true_runs
from formcheck.analysis.other_motion import not_a_lift
from formcheck.analysis.reps import RepWindow, Segmentation, segment_reps
from formcheck.analysis.squat_front import front_metrics
from formcheck.analysis.squat_side import (
    add_velocity,
    compute_series,
    rep_metrics,
    standing_frames,
)
from formcheck.analysis.view import FILMING_ADVICE, detect_view, near_side
from formcheck.analysis.view_split import slice_track, view_segments
from formcheck.capture.people import check_person
from formcheck.config import RuleBook, Settings, load_rules, load_settings
from formcheck.errors import ConfigError, LifterLeftFrameError
from formcheck.result import Analysis, Metric, Rep, VideoInfo, ViewResult
from formcheck.track import PoseTrack

if TYPE_CHECKING:
    from formcheck.capture.pose import PoseSettings

LIFTS = ("auto", "squat", "deadlift")
DEFAULT_STYLE = {"squat": "high_bar", "deadlift": "conventional"}


def _absences(track: PoseTrack, min_gap_s: float) -> list[str]:
    """Return one note for the stretches of ``min_gap_s`` or more where no person was found.

    This is the one absence check: the pose stage raises only when there is no usable person
    at all, and gaps are reported here, where a saved track is analysed too.
    """
    t = track.times_s
    frame_s = 1.0 / track.fps
    gaps = [
        (float(t[a]), float(t[b - 1]) + frame_s)
        for a, b in true_runs(~track.present)
        if float(t[b - 1]) + frame_s - float(t[a]) >= min_gap_s
    ]
    if not gaps:
        return []
    shown = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in gaps[:8])
    more = f" and {len(gaps) - 8} more" if len(gaps) > 8 else ""
    return [
        f"no lifter in frame in {shown}{more} (left the frame or hidden): "
        "those frames were not analysed"
    ]


def _to_rep(index: int, w: RepWindow, t: np.ndarray) -> Rep:
    return Rep(
        index=index,
        start_frame=w.start,
        bottom_frame=w.bottom,
        end_frame=w.end,
        start_s=round(float(t[w.start]), 3),
        bottom_s=round(float(t[w.bottom]), 3),
        end_s=round(float(t[w.end]), 3),
        partial=w.partial,
    )


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
    with warnings.catch_warnings():
        # Landmarks hidden for a whole window give all-NaN slices; NaN is the right answer
        # there and every stage checks for it, so numpy's warning is only noise.
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        assert opts.settings is not None and opts.rules is not None  # set by resolved()
        assert opts.pose_settings is not None
        return _analyze_track(
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


def _analyze_track(
    track: PoseTrack,
    video: VideoInfo,
    *,
    min_gap_s: float,
    lift: str,
    style: str | None,
    settings: Settings,
    rules: RuleBook,
    thresholds: dict[str, float] | None,
    height_cm: float | None,
    warnings: list[str] | None,
) -> Analysis:
    # The options were checked and loaded once, in AnalysisOptions.resolved().
    notes = list(warnings or [])
    if track.present.mean() < settings.get("reps.min_present_fraction"):
        raise LifterLeftFrameError(
            f"expected the lifter in frame for most of the clip, got a person in only "
            f"{100 * track.present.mean():.0f}% of frames"
        )
    notes += _absences(track, min_gap_s)
    cuts = find_cuts(track, settings)
    clean = clean_by_shot(track, settings, cuts)
    chosen_style, chosen_lift = style, lift
    lift, style, lift_reason = _resolve_lift(clean, settings, rules, lift, style)
    seg = segment_reps(
        clean, settings, lift, style=chosen_style if lift == "deadlift" else None, cuts=cuts
    )
    other, seg = _other_motion(
        clean, settings, seg, chosen_lift == "auto" and chosen_style is None
    )
    if lift == "deadlift" and chosen_style is None:
        style, style_reason = _deadlift_style(clean, settings, seg)
        lift_reason += style_reason
    book = rules.for_style(style, thresholds)
    notes += _cut_notes(track, cuts)
    view = detect_view(clean, settings, seg.leg_length_px)
    # Squat angles are measured from the hip joint centres; deadlift rules still read the
    # raw landmarks (their thresholds were set on them).
    hips = hip_joint_centres(clean, settings) if lift == "squat" else None
    series = compute_series(clean, view, seg, hips)
    t = clean.times_s
    reps = [_to_rep(i, w, t) for i, w in enumerate(seg.reps, start=1)]
    metrics = _measure_reps(clean, view, settings, seg, series, lift, hips)
    if height_cm is not None and reps:
        add_velocity(clean, seg.reps, metrics, seg.leg_length_px, height_cm)
    for rep, m, w in zip(reps, metrics, seg.reps, strict=True):
        rep.metrics = m
        if w.note:
            notes.append(f"rep {rep.index} is partial: {w.note}")
    footage = Footage(clean, view, near_side(view, clean), settings)
    unsupported = find_faults(reps, book, footage, lift, series)
    notes += _view_notes(view, book, lift, unsupported)
    notes += not_judged_notes(reps)
    if other:
        notes.insert(0, other)
    elif not reps:
        notes.append("no reps found: " + FILMING_ADVICE)
    for a, b, why in seg.rejected:
        notes.append(f"not counted as a rep ({a:.1f}-{b:.1f} s): {why}")
    return Analysis(
        video=video,
        lift=lift,
        style=style,
        view=view,
        reps=reps,
        warnings=notes,
        summary=[other] if other else summarize(reps, book),
        settings={
            "analysis": settings.flat(),
            "thresholds": {
                fid: {"value": r.threshold, "upper": r.upper, "unit": r.unit, "series": r.series}
                for fid, r in book.faults.items()
                if r.lift == lift
            },
            "height_cm": height_cm,
            "pose_history": clean.history,
        },
        series=series,
        times_s=t,
        lift_reason=lift_reason,
    )


def _other_motion(
    clean: PoseTrack, settings: Settings, seg: Segmentation, detected: bool
) -> tuple[str | None, Segmentation]:
    """Return the sentence saying the clip is no squat or deadlift (or None) and the reps.

    The segmentation comes back with no reps when the clip is something else.

    A clip with no reps is checked whatever the user chose; reps are second-guessed (a
    swing, a lunge) only when the lift was detected, not chosen with --lift or --style.
    """
    if seg.reps and not detected:
        return None, seg
    hinge = lift_cues(clean, settings).is_hinge(settings)
    other = not_a_lift(clean, settings, seg.leg_length_px, seg.reps, hinge)
    return other, (replace(seg, reps=[], rejected=[]) if other else seg)


def _cut_notes(track: PoseTrack, cuts: list[int]) -> list[str]:
    """Return the note saying where the clip is cut (none when it is not)."""
    if not cuts:
        return []
    shown = ", ".join(f"{t:.1f}" for t in track.times_s[cuts])
    return [
        f"the clip is cut (every landmark jumps) at {shown} s: each shot is analysed on its "
        "own and no rep spans a cut"
    ]


def _measure_reps(
    clean: PoseTrack,
    view: ViewResult,
    settings: Settings,
    seg: Segmentation,
    series: dict[str, np.ndarray],
    lift: str,
    hips: HipJoints | None = None,
) -> list[dict[str, Metric]]:
    """Return the per-rep metrics of the lift and view (deadlift, squat side, squat front)."""
    if lift == "deadlift":
        measure = hinge_metrics if seg.pattern == "hinge" else pull_metrics
        metrics = [measure(clean, view, settings, w, seg.leg_length_px) for w in seg.reps]
        add_rounding(clean, view, settings, seg.reps, seg.pattern, metrics)
        return metrics
    standing = standing_frames(series, seg.reps)
    metrics = [rep_metrics(clean, view, series, w, standing) for w in seg.reps]
    add_rounding(clean, view, settings, seg.reps, "squat", metrics)
    if hips is not None:
        side = near_side(view, clean)
        for m, w in zip(metrics, seg.reps, strict=True):
            add_uncertainty(clean, side, series, w.bottom, slice(w.start, w.end + 1), hips,
                            settings, m, view.view)
    if view.view in ("front", "back"):
        for m, w in zip(metrics, seg.reps, strict=True):
            m.update(front_metrics(clean, w, standing))
    return metrics


def _view_notes(view: ViewResult, book: RuleBook, lift: str, unsupported: list[str]) -> list[str]:
    """Record the checks this view cannot make on ``view`` and return the notes about them."""
    notes = []
    if view.view == "side":
        # Side on is the view to film in; front-only checks are an extra clip, not a flaw
        # of this one, so they get one note and do not mark the view as poor.
        front_only = [
            fid
            for fid, r in book.faults.items()
            if r.lift == lift and not set(r.views) & {"side", "oblique"}
        ]
        unsupported = [u for u in unsupported if u.split(":")[0] not in front_only]
        if front_only:
            notes.append(f"checks that need a clip filmed from the front: {', '.join(front_only)}")
    if unsupported:
        view.unsupported = unsupported
        view.filming_advice = view.filming_advice or FILMING_ADVICE
        notes.append(
            f"the {view.view} view cannot support {len(unsupported)} check(s): "
            + "; ".join(unsupported)
            + f". {view.filming_advice}"
        )
    return notes


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


def _deadlift_style(
    clean: PoseTrack, settings: Settings, seg: Segmentation
) -> tuple[str, str]:
    """Return the detected deadlift's style and the words added to the lift's reason.

    A hinge pattern (see :mod:`formcheck.analysis.pulls`) is Romanian unless the first rep
    starts set up at the bar, bent over with the hands low, which an RDL rep never does.
    """
    if seg.pattern != "hinge" or not seg.reps:
        return DEFAULT_STYLE["deadlift"], ""
    set_up = hinge_style_check(clean, settings, seg.reps[0].start)
    if set_up is not None:
        return DEFAULT_STYLE["deadlift"], f"; {set_up}"
    return "romanian", f"; Romanian style: {seg.pattern_reason}"


def _resolve_lift(
    clean: PoseTrack, settings: Settings, rules: RuleBook, lift: str, style: str | None
) -> tuple[str, str, str]:
    """Return (lift, style, reason): the user's choice, implied by the style, or detected."""
    style_lift = rules.styles[style].lift if style is not None else None
    if lift == "auto" and style_lift is not None:
        return style_lift, str(style), f"{style_lift} (implied by --style {style})"
    if lift == "auto":
        guess = detect_lift(clean, settings)
        return guess.lift, DEFAULT_STYLE[guess.lift], guess.reason
    if style_lift is not None and style_lift != lift:
        fitting = sorted(k for k, v in rules.styles.items() if v.lift == lift)
        raise ConfigError(f"--style: expected a {lift} style {fitting}, got {style!r}")
    return lift, style or DEFAULT_STYLE[lift], f"{lift} (chosen by the user)"


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
    changes view carries one analysis per part in :attr:`Analysis.parts`.
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
    analysis = analyze_track(track, video, opts, warnings_in=pose_warnings)
    analysis.track = time_window(track, opts.start_s, opts.end_s)[0]
    return analysis
