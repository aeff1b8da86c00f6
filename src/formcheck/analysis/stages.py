"""The analysis stages in order: a raw pose track in, the :class:`Analysis` of one view out.

clean signals -> lift -> reps -> view -> per-rep metrics -> faults. The options are checked
and loaded once, before this runs (:meth:`formcheck.pipeline.AnalysisOptions.resolved`).
This module imports every stage, and through them scipy.signal, so the pipeline loads it
only when an analysis is computed, not when a finished one is read from the cache.
"""

from __future__ import annotations

from dataclasses import replace

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
from formcheck.config import DEFAULT_STYLE, RuleBook, Settings
from formcheck.errors import ConfigError, LifterLeftFrameError
from formcheck.result import Analysis, Metric, Rep, VideoInfo, ViewResult
from formcheck.track import PoseTrack


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


def run_stages(
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
    """Return the analysis of one raw track: lift, reps, view, metrics, faults, notes."""
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
