"""Rep segmentation: start, bottom and end of each rep from the hip-height signal.

The hip height above the ankles, in leg lengths, falls in every squat and deadlift rep and
stays level while the lifter walks out, sets up or stands. A rep is an excursion of the hip
below its standing level: it begins when the hip leaves standing (hysteresis band
``reps.exit_depth``) and ends only when it is back, so a pause at the bottom or between reps
neither splits nor merges reps. Excursions are rejected as set-up (feet moving, hands going to
the floor at the start or end of the clip, too shallow or too fast) and the reasons are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from formcheck.analysis.cuts import pieces
from formcheck.analysis.facing import faces_camera, world_knee_flexion
from formcheck.analysis.signals import (
    fill_gaps,
    interior_angle,
    midpoint,
    segment_length,
)
from formcheck.config import Settings
from formcheck.track import PoseTrack, slice_track


@dataclass
class RepWindow:
    """Frames of one rep: start, the bottom (deepest) and the end, plus the bottom plateau."""

    start: int
    bottom: int
    end: int
    bottom_first: int
    bottom_last: int
    depth: float  # hip drop at the bottom, leg lengths
    partial: bool = False
    note: str = ""


@dataclass
class Segmentation:
    """Reps found and the excursions rejected, with the signals used."""

    reps: list[RepWindow]
    rejected: list[tuple[float, float, str]] = field(default_factory=list)  # (start_s, end_s, why)
    hip_height: np.ndarray | None = None  # leg lengths above the ankles
    leg_length_px: float = float("nan")
    pattern: str = "squat"  # "squat", or for deadlifts "pull" | "hinge" (analysis.pulls)
    pattern_reason: str = ""
    cuts: list[int] = field(default_factory=list)  # frames that start a new shot


def leg_length(track: PoseTrack) -> float:
    """Return the lifter's leg length in pixels (90th percentile of hip-knee-ankle length)."""
    best = []
    for side in ("left", "right"):
        per_frame = segment_length(track, f"{side}_hip", f"{side}_knee") + segment_length(
            track, f"{side}_knee", f"{side}_ankle"
        )
        finite = per_frame[np.isfinite(per_frame)]
        if finite.size:
            # The high percentile is the unforeshortened leg (a front view shortens it).
            best.append(float(np.percentile(finite, 90)))
    return max(best) if best else float("nan")


def hip_height(track: PoseTrack, leg_px: float) -> np.ndarray:
    """Return hip height above the ankles in leg lengths, per frame."""
    hip = midpoint(track, "left_hip", "right_hip")
    ankle = midpoint(track, "left_ankle", "right_ankle")
    if np.isfinite(ankle[:, 1]).mean() < 0.5:
        # Feet out of frame: fall back to the hip's height in the image (camera assumed still).
        return hip[:, 1] / leg_px
    return (hip[:, 1] - ankle[:, 1]) / leg_px


def _knee_flexion(track: PoseTrack, a: int, b: int) -> float:
    best = 0.0
    for side in ("left", "right"):
        k = interior_angle(
            track.xy(f"{side}_hip")[a:b],
            track.xy(f"{side}_knee")[a:b],
            track.xy(f"{side}_ankle")[a:b],
        )
        if np.isfinite(k).any():
            best = max(best, 180.0 - float(np.nanmin(k)))
    return best


def _foot_travel(track: PoseTrack, a: int, b: int, leg_px: float) -> float:
    """Return how far the feet (or the hips, when the feet are out of frame) travel sideways."""
    ankle = midpoint(track, "left_ankle", "right_ankle")[a:b, 0]
    if np.isfinite(ankle).mean() < 0.5:
        ankle = midpoint(track, "left_hip", "right_hip")[a:b, 0]
    finite = ankle[np.isfinite(ankle)]
    return float(np.ptp(finite) / leg_px) if finite.size else 0.0


def _hands_low(track: PoseTrack, a: int, b: int) -> bool:
    """Return True when the wrists go below knee height during frames a..b (handling a weight)."""
    wrist = midpoint(track, "left_wrist", "right_wrist")[a : b + 1, 1]
    knee = midpoint(track, "left_knee", "right_knee")[a : b + 1, 1]
    return bool(np.any(wrist < knee))


def _extend(d: np.ndarray, a: int, b: int) -> tuple[int, int]:
    """Move an excursion's edges out to where the hip stopped moving."""
    eps = 0.004
    while a > 0 and np.isfinite(d[a - 1]) and d[a - 1] < d[a] - eps and d[a - 1] > 0.01:
        a -= 1
    while b < len(d) - 1 and np.isfinite(d[b + 1]) and d[b + 1] < d[b] - eps and d[b + 1] > 0.01:
        b += 1
    return a, b


def _walk_to_top(
    h: np.ndarray, i: int, step: int, level: float, limit: int, turn: float = 0.03
) -> int:
    """Return the edge of a trough: where the signal is back at ``level`` or turns down again."""
    best = i
    while i != limit and 0 <= i + step < len(h):
        i += step
        if h[i] > h[best]:
            best = i
        if h[i] >= level:
            return i
        if h[i] < h[best] - turn:  # the signal turned down again: the next rep began
            return best
    return best


def _troughs(h: np.ndarray, settings: Settings) -> list[tuple[int, int, int, float]]:
    """Return (start, bottom, end, depth) for each hip-height trough deep enough to be a rep.

    Depth is the trough's prominence: how far the hip drops below the lower of the standing
    levels either side, so a lifter who stands a little lower under a heavy bar, or a camera
    that drifts, does not shift the reference.
    """
    return find_troughs(
        h, settings.get("reps.min_depth"), settings.get("reps.exit_depth"), turn=0.03
    )


def find_troughs(
    h: np.ndarray, min_prominence: float, exit_band: float, turn: float, pad_end: bool = False
) -> list[tuple[int, int, int, float]]:
    """Return (start, bottom, end, prominence) for each trough of ``h`` prominent enough.

    The edges are where the signal is back within ``exit_band`` of the reference level on
    each side, or where it turns by ``turn`` towards the next trough. With ``pad_end`` a
    virtual sample at the signal's top is appended, so a clip that ends inside a trough (a
    deadlift held at lockout) still counts it; the start is never padded, because a clip that
    begins inside a trough shows only its second half.
    """
    filled = fill_gaps(h, len(h))
    finite = np.isfinite(filled)
    if finite.sum() < 3:
        return []
    filled = np.where(finite, filled, np.nanmax(filled))
    if pad_end:
        filled = np.concatenate([filled, [np.max(filled)]])
    peaks, props = find_peaks(-filled, prominence=min_prominence)
    if not len(peaks):
        return []
    out = []
    exit_depth = exit_band
    last = len(h) - 1
    for k, bottom in enumerate(peaks):
        prom = float(props["prominences"][k])
        level = filled[bottom] + prom - exit_depth
        a = _walk_to_top(filled, int(bottom), -1, level, int(props["left_bases"][k]), turn)
        b = _walk_to_top(filled, int(bottom), +1, level, int(props["right_bases"][k]), turn)
        out.append((a, int(bottom), min(b, last), prom))
    return out


def _moving_feet_times(track: PoseTrack, leg_px: float, fps: float) -> np.ndarray:
    """Return a boolean per frame: the feet are travelling (walking, stepping)."""
    ankle = midpoint(track, "left_ankle", "right_ankle")[:, 0] / leg_px
    speed = np.abs(np.gradient(ankle)) * fps  # leg lengths per second
    return np.nan_to_num(speed, nan=0.0) > 0.35


def segment_reps(
    track: PoseTrack,
    settings: Settings,
    lift: str = "squat",
    *,
    style: str | None = None,
    cuts: list[int] | None = None,
) -> Segmentation:
    """Return the reps of a cleaned track, with the rejected excursions and why.

    With ``cuts`` (frames that start a new shot, see :func:`formcheck.analysis.cuts.find_cuts`)
    each shot is segmented on its own, so no rep spans a cut. ``style`` picks the deadlift
    pattern (pull or hinge); None reads it from the motion.
    """
    if not cuts:
        return _segment_shot(track, settings, lift, style)
    n = track.n_frames
    out = Segmentation([], [], np.full(n, np.nan), leg_length(track), cuts=list(cuts))
    for a, b in pieces(n, cuts):
        part = _segment_shot(slice_track(track, a, b), settings, lift, style)
        for w in part.reps:
            for name in ("start", "bottom", "end", "bottom_first", "bottom_last"):
                setattr(w, name, getattr(w, name) + a)
            out.reps.append(w)
        out.rejected += part.rejected
        if part.hip_height is not None:
            assert out.hip_height is not None
            out.hip_height[a:b] = part.hip_height
        out.pattern, out.pattern_reason = part.pattern, part.pattern_reason
    return out


def _segment_shot(
    track: PoseTrack, settings: Settings, lift: str, style: str | None
) -> Segmentation:
    """Return the reps of one shot (a clip without cuts)."""
    if lift == "deadlift":
        # Imported here: analysis.pulls builds on this module's helpers.
        from formcheck.analysis.pulls import segment_deadlifts

        return segment_deadlifts(track, settings, style)
    return _segment_squats(track, settings)


def _segment_squats(track: PoseTrack, settings: Settings) -> Segmentation:
    """Return the squat reps of one shot: excursions of the hip below standing."""
    lift = "squat"
    fps = track.fps
    leg_px = leg_length(track)
    if not np.isfinite(leg_px) or leg_px <= 0:
        return Segmentation([], [], None, leg_px)
    h = hip_height(track, leg_px)
    d = np.nanmax(h) - h
    t = track.times_s
    moving = _moving_feet_times(track, leg_px, fps)
    face_on = faces_camera(track, settings, leg_px)
    setup_window = int(settings.get("reps.setup_window_s") * fps)
    reps: list[RepWindow] = []
    rejected: list[tuple[float, float, str]] = []
    candidates = []
    for a0, bottom, b0, depth in _troughs(h, settings):
        a, b = _extend(d, a0, b0)
        why = _not_a_rep(track, settings, a, b, leg_px, face_on)
        if why:
            rejected.append((float(t[a]), float(t[b]), why))
            continue
        candidates.append((a, bottom, b, depth))
    candidates = _drop_handling(
        track, candidates, rejected, t, lift, settings.get("reps.partial_ratio")
    )
    if not candidates:
        return Segmentation([], rejected, h, leg_px)
    full_depth = float(np.max([c[3] for c in candidates]))
    for a, bottom, b, depth in candidates:
        near_setup = moving[max(0, a - setup_window) : b + setup_window + 1].any()
        shallow = depth < settings.get("reps.partial_ratio") * full_depth
        if shallow and near_setup:
            rejected.append((float(t[a]), float(t[b]), "shallow dip beside a walk-out or re-rack"))
            continue
        plateau = np.flatnonzero(h[a : b + 1] <= h[bottom] + 0.03) + a
        short = depth < settings.get("reps.partial_depth")
        rep = RepWindow(
            a, bottom, b, int(plateau[0]), int(plateau[-1]), depth, partial=shallow or short
        )
        if shallow:
            rep.note = f"depth {depth:.2f} leg lengths vs {full_depth:.2f} for the deepest rep"
        elif short:
            rep.note = (
                f"hip dropped {depth:.2f} leg lengths, less than the "
                f"{settings.get('reps.partial_depth'):g} of a squat to parallel"
            )
        reps.append(rep)
    return Segmentation(reps, rejected, h, leg_px)


def _not_a_rep(
    track: PoseTrack, settings: Settings, a: int, b: int, leg_px: float, face_on: bool
) -> str:
    """Return why the excursion over frames ``a..b`` is not a rep ("" when it is one).

    Face on (``face_on``) the knees bend towards the camera and the 2-D knee angle hardly
    changes, so the knee bend is also read from the world landmarks and the larger counts.
    """
    t = track.times_s
    if (t[b] - t[a]) < settings.get("reps.min_duration_s"):
        return f"too fast ({t[b] - t[a]:.2f} s)"
    if _foot_travel(track, a, b + 1, leg_px) > settings.get("reps.max_foot_travel"):
        return "feet moved (walking or stepping)"
    flexion = _knee_flexion(track, a, b + 1)
    if face_on and 0 < flexion < settings.get("reps.min_knee_flexion"):
        flexion = max(flexion, world_knee_flexion(track, settings, a, b + 1))
    if 0 < flexion < settings.get("reps.min_knee_flexion"):
        return "knees stayed straight (bending over, not a rep)"
    return ""


def _drop_handling(
    track: PoseTrack,
    candidates: list[tuple[int, int, int, float]],
    rejected: list[tuple[float, float, str]],
    t: np.ndarray,
    lift: str,
    partial_ratio: float,
) -> list[tuple[int, int, int, float]]:
    """Drop squat excursions at the clip's ends where the hands go to the floor.

    Picking a weight up or setting it down is shallower than the set's reps; an end
    excursion as deep as the deepest one is kept even when the wrists read low, since
    BlazePose misplaces hidden wrists (hands on a bar behind the neck, low light).
    """
    if lift != "squat" or len(candidates) < 2:
        return candidates
    deepest = max(c[3] for c in candidates)
    pad = int(track.fps)  # hands reach the floor just before or after the dip itself
    low = [_hands_low(track, max(0, c[0] - pad), c[2] + pad) for c in candidates]
    if all(low):
        return candidates  # e.g. dumbbells held at the sides: every rep looks alike
    keep = list(candidates)
    for end in (0, -1):
        if not keep or keep[end][3] >= partial_ratio * deepest:
            continue
        if _hands_low(track, max(0, keep[end][0] - pad), keep[end][2] + pad):
            a, _, b, _ = keep.pop(end)
            rejected.append(
                (float(t[a]), float(t[b]), "hands at the floor: picking up or setting down")
            )
    return keep


def trunk_lean(track: PoseTrack) -> np.ndarray:
    """Return the hip->shoulder line's signed angle from vertical per frame, -180..180 deg.

    Positive is the way the shoulders point when the lifter is bent over the bar (forward),
    negative is leaning back; the sign comes from the frames bent more than 45 deg, so no
    facing direction is needed. Signed, a lean back at lockout is one trough, not two
    crossings of vertical.
    """
    hip = midpoint(track, "left_hip", "right_hip")
    d = midpoint(track, "left_shoulder", "right_shoulder") - hip
    unsigned = np.degrees(np.arctan2(np.abs(d[:, 0]), d[:, 1]))
    bent = np.nan_to_num(unsigned, nan=0.0) > 45.0
    forward = np.sign(np.nanmedian(d[bent, 0])) if bent.any() else 1.0
    return np.degrees(np.arctan2((forward or 1.0) * d[:, 0], d[:, 1]))
