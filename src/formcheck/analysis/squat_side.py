"""Per-frame angle series and per-rep metrics, with units and documented conventions.

Conventions (docs/conventions.md): angles in degrees from y-up image geometry; interior joint
angles 0-180 (180 = straight); segment angles from vertical 0-180; the thigh angle is how far
the hip is below the knee (-90 standing, 0 parallel, > 0 below parallel); the neck angle is
signed, positive = head tilted back (extension) relative to the trunk line. Distances along
the floor are in foot lengths, heights in leg lengths.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.depth import HipJoints, depth_angle
from formcheck.analysis.nanmath import nan_max, nan_min, round_or_none
from formcheck.analysis.reps import RepWindow, Segmentation
from formcheck.analysis.signals import (
    angle_below_horizontal,
    angle_from_vertical,
    interior_angle,
    midpoint,
    signed_angle,
)
from formcheck.analysis.view import near_side
from formcheck.result import Metric, ViewResult
from formcheck.track import PoseTrack

# Hip-joint-to-ankle-joint length as a fraction of standing height (Winter, Biomechanics and
# Motor Control of Human Movement: hip 0.530 H, ankle 0.039 H).
LEG_FRACTION_OF_HEIGHT = 0.491
# Cervical extension or flexion relative to the trunk rarely exceeds ~70 deg even at end
# range; a larger change means the head was hidden (a plate, the bar) and the ear guessed.
NECK_PLAUSIBLE_DEG = 75.0
# Largest horizontal wrist-to-shoulder distance, in torso lengths, at which the wrists are
# taken as the bar (back squat or front rack).
BAR_HANDS_MAX_TORSO = 0.25


def facing_sign(view: ViewResult) -> float:
    """Return +1 when a side-on lifter faces image-right, -1 for left, 0 when unknown."""
    return 1.0 if view.facing == "right" else -1.0 if view.facing == "left" else 0.0


def _hip_mid(hips: HipJoints) -> np.ndarray:
    """Return the midpoint of both hip joint centres, falling back to whichever is known."""
    mid = (hips.left + hips.right) / 2
    for one, other in ((hips.left, hips.right), (hips.right, hips.left)):
        only = np.isnan(other).any(axis=1) & np.isfinite(one).all(axis=1)
        mid[only] = one[only]
    return mid


def compute_series(
    track: PoseTrack, view: ViewResult, seg: Segmentation, hips: HipJoints | None = None
) -> dict[str, np.ndarray]:
    """Return the per-frame series named in ``result.SERIES_KEYS`` for a cleaned track.

    With ``hips`` (analysis.depth.hip_joint_centres) the hip, knee, thigh and trunk angles
    are measured from the hip joint centres instead of the raw hip landmarks, and the thigh
    angle from the hip's drop over the standing thigh length.
    """
    side = near_side(view, track)
    p = {j: track.xy(f"{side}_{j}") for j in ("shoulder", "hip", "knee", "ankle", "ear", "wrist")}
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")
    hip = midpoint(track, "left_hip", "right_hip")
    if hips is not None:
        p["hip"] = hips.side(side)
        hip = _hip_mid(hips)
        thigh = depth_angle(p["hip"], p["knee"], hips.thigh_px[side])
    else:
        thigh = angle_below_horizontal(p["hip"], p["knee"])
    ear = midpoint(track, "left_ear", "right_ear")
    trunk = shoulder - hip
    neck = ear - shoulder
    facing = facing_sign(view) or 1.0
    bar = midpoint(track, "left_wrist", "right_wrist")
    series = {
        "knee_deg": interior_angle(p["hip"], p["knee"], p["ankle"]),
        "hip_deg": interior_angle(p["shoulder"], p["hip"], p["knee"]),
        "trunk_lean_deg": angle_from_vertical(hip, shoulder),
        "shin_lean_deg": angle_from_vertical(p["ankle"], p["knee"]),
        "thigh_deg": thigh,
        "neck_deg": facing * signed_angle(trunk, neck),
        "hip_height": seg.hip_height if seg.hip_height is not None else np.full(len(hip), np.nan),
        "hip_joint_x": p["hip"][:, 0],
        "hip_joint_y": track.height - p["hip"][:, 1],
        "bar_x": bar[:, 0],
        "bar_y": track.height - bar[:, 1],
    }
    return {k: np.asarray(v, dtype=float) for k, v in series.items()}


def _nanmedian(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.median(finite)) if finite.size else float("nan")


def foot_length_px(track: PoseTrack, side: str) -> float:
    """Return the heel-to-toe length in pixels (90th percentile: least foreshortened)."""
    d = np.linalg.norm(track.xy(f"{side}_foot_index") - track.xy(f"{side}_heel"), axis=1)
    finite = d[np.isfinite(d)]
    return float(np.percentile(finite, 90)) if finite.size else float("nan")


def standing_baseline(x: np.ndarray, rep: RepWindow, fps: float, standing: np.ndarray) -> float:
    """Return the median of ``x`` over standing frames near the rep (before it if possible)."""
    for a, b in (
        (max(0, rep.start - int(5 * fps)), rep.start + 1),
        (rep.end, min(len(x), rep.end + int(5 * fps))),
    ):
        seg = x[a:b][standing[a:b]]
        finite = seg[np.isfinite(seg)]
        if finite.size >= 3:
            return float(np.median(finite))
    return float("nan")


def standing_frames(series: dict[str, np.ndarray], reps: list[RepWindow]) -> np.ndarray:
    """Return a boolean per frame: standing tall (hip near its top height, not inside a rep)."""
    h = series["hip_height"]
    mask = (
        np.isfinite(h) & (h >= np.nanpercentile(h, 95) - 0.05)
        if np.isfinite(h).any()
        else np.zeros(len(h), bool)
    )
    for rep in reps:
        mask[rep.start + 1 : rep.end] = False
    return mask


def _early_ascent_end(h: np.ndarray, rep: RepWindow) -> int:
    """Return the frame where the hip has made a third of its rise out of the bottom."""
    top = np.nanmax(h[rep.bottom_last : rep.end + 1])
    target = h[rep.bottom_last] + (top - h[rep.bottom_last]) / 3
    rise = np.flatnonzero(h[rep.bottom_last : rep.end + 1] >= target)
    return rep.bottom_last + int(rise[0]) if rise.size else rep.end


def _tempo(rep: RepWindow, t: np.ndarray) -> dict[str, Metric]:
    return {
        "descent_s": Metric(round(float(t[rep.bottom_first] - t[rep.start]), 3), "s"),
        "pause_s": Metric(round(float(t[rep.bottom_last] - t[rep.bottom_first]), 3), "s"),
        "ascent_s": Metric(round(float(t[rep.end] - t[rep.bottom_last]), 3), "s"),
        "duration_s": Metric(round(float(t[rep.end] - t[rep.start]), 3), "s"),
    }


def _foot_metrics(
    track: PoseTrack,
    view: ViewResult,
    series: dict[str, np.ndarray],
    rep: RepWindow,
    standing: np.ndarray,
) -> dict[str, Metric]:
    side = near_side(view, track)
    foot = foot_length_px(track, side)
    facing = facing_sign(view)
    sl = slice(rep.start, rep.end + 1)
    toe = track.xy(f"{side}_foot_index")
    # Heel height over the toe: a heel that leaves the floor rises against the toe, while a
    # whole-foot landmark shift (tracking error, camera shake) moves both.
    heel = track.xy(f"{side}_heel")[:, 1] - toe[:, 1]
    knee = track.xy(f"{side}_knee")
    mid_foot = (track.xy(f"{side}_heel")[:, 0] + toe[:, 0]) / 2
    heel_lift = nan_max((heel[sl] - standing_baseline(heel, rep, track.fps, standing)) / foot)
    past = nan_max(facing * (knee[sl, 0] - toe[sl, 0]) / foot) if facing else None
    out = {
        "heel_lift": Metric(
            round_or_none(heel_lift, 3), "foot lengths", "heel rise over the toe, against standing"
        ),
        "knee_past_toes": Metric(round_or_none(past, 3), "foot lengths", "knee ahead of toe (+)"),
    }
    out["bar_drift"] = _bar_drift(track, series, rep, mid_foot, foot, facing)
    return out


def _bar_drift(
    track: PoseTrack,
    series: dict[str, np.ndarray],
    rep: RepWindow,
    mid_foot: np.ndarray,
    foot: float,
    facing: float,
) -> Metric:
    sl = slice(rep.start, rep.end + 1)
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")[sl]
    hip = midpoint(track, "left_hip", "right_hip")[sl]
    bar = np.stack([series["bar_x"][sl], track.height - series["bar_y"][sl]], axis=1)
    torso = _nanmedian(np.linalg.norm(shoulder - hip, axis=1))
    # A bar on the back or in a front rack keeps the hands within about a quarter torso of
    # the shoulders; hands further out (arms forward, a landmine or goblet held in front)
    # mean the wrists do not trace a bar.
    near = _nanmedian(np.abs(bar[:, 0] - shoulder[:, 0])) < BAR_HANDS_MAX_TORSO * torso
    high = _nanmedian(bar[:, 1] - hip[:, 1]) > 0.5 * torso
    if not (near and high) or not facing:
        return Metric(None, "foot lengths", "unmeasured: hands are not at the shoulders (no bar?)")
    drift = facing * (bar[:, 0] - mid_foot[sl]) / foot
    worst = nan_max(np.abs(drift))
    return Metric(round_or_none(worst, 3), "foot lengths", "largest wrist distance from mid-foot")


def _neck_excess(
    series: dict[str, np.ndarray], rep: RepWindow, fps: float, standing: np.ndarray
) -> float | None:
    """Return how far the neck bends beyond neutral in a rep, signed (+ = looking up).

    Neutral spans two postures: the head following the trunk (no change of the neck-to-trunk
    angle) and the gaze held on one spot while the trunk leans (the neck extends by as much as
    the trunk leans). Beyond the second the head tilts back in the room (looking up hard);
    below the first the chin is pulled down (cranking the neck down).
    """
    sl = slice(rep.start, rep.end + 1)
    neck = series["neck_deg"][sl] - standing_baseline(series["neck_deg"], rep, fps, standing)
    lean = series["trunk_lean_deg"][sl] - standing_baseline(
        series["trunk_lean_deg"], rep, fps, standing
    )
    if np.isfinite(neck).mean() <= 0.6:
        return None
    lean = np.maximum(np.nan_to_num(lean, nan=0.0), 0.0)
    excess = np.where(neck > lean, neck - lean, np.where(neck < 0, neck, 0.0))
    big = float(np.nanpercentile(np.abs(excess), 90))
    if np.nanpercentile(np.abs(neck), 90) > NECK_PLAUSIBLE_DEG:
        return None  # beyond what a neck can bend: the ear landmark is a guess
    # 90th percentile, not the single worst frame: one bad ear estimate must not make a fault.
    sign = np.sign(excess[np.nanargmax(np.abs(excess))]) if big > 0 else 1.0
    return big * float(sign)


def rep_metrics(
    track: PoseTrack,
    view: ViewResult,
    series: dict[str, np.ndarray],
    rep: RepWindow,
    standing: np.ndarray,
) -> dict[str, Metric]:
    """Return the metrics of one rep (see docs/analysis-schema.md for each definition)."""
    sl = slice(rep.start, rep.end + 1)
    thigh = nan_max(series["thigh_deg"][sl])
    early = _early_ascent_end(series["hip_height"], rep)
    lean = series["trunk_lean_deg"]
    lean_bottom = lean[rep.bottom_last]
    lean_early = nan_max(lean[rep.bottom_last : early + 1])
    neck_worst = _neck_excess(series, rep, track.fps, standing)
    out = {
        "depth_thigh_deg": Metric(
            round_or_none(thigh), "deg", "thigh below horizontal at the bottom"
        ),
        "hip_below_knee": Metric(None if thigh is None else bool(thigh > 0), "bool"),
        "depth": Metric(round_or_none(rep.depth, 3), "leg lengths", "hip drop from standing"),
        "knee_min_deg": Metric(round_or_none(nan_min(series["knee_deg"][sl])), "deg"),
        "hip_min_deg": Metric(round_or_none(nan_min(series["hip_deg"][sl])), "deg"),
        "trunk_lean_max_deg": Metric(round_or_none(nan_max(lean[sl])), "deg", "from vertical"),
        "trunk_minus_shin_deg": Metric(
            round_or_none(float(lean[rep.bottom] - series["shin_lean_deg"][rep.bottom])),
            "deg",
            "trunk lean minus shin lean at the bottom",
        ),
        "early_ascent_lean_change_deg": Metric(
            None if lean_early is None else round_or_none(lean_early - float(lean_bottom)),
            "deg",
            "trunk lean gained in the first third of the ascent (+ = hips rose first)",
        ),
        "neck_change_deg": Metric(
            round_or_none(neck_worst),
            "deg",
            "neck bend beyond neutral (+ = looking up, - = chin down)",
        ),
    }
    out.update(_foot_metrics(track, view, series, rep, standing))
    out["elbow_drop_deg"] = _elbow_drop(track, view, rep)
    out.update(_tempo(rep, track.times_s))
    return out


def add_velocity(
    track: PoseTrack,
    reps: list[RepWindow],
    metrics: list[dict[str, Metric]],
    leg_px: float,
    height_cm: float,
) -> None:
    """Add mean concentric velocity (m/s) per rep and velocity loss across the set, in place."""
    metres_per_px = (height_cm / 100 * LEG_FRACTION_OF_HEIGHT) / leg_px
    shoulder_y = midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    t = track.times_s
    speeds: list[float | None] = []
    for rep, m in zip(reps, metrics, strict=True):
        rise = shoulder_y[rep.end] - shoulder_y[rep.bottom_last]
        dt = t[rep.end] - t[rep.bottom_last]
        v = float(rise * metres_per_px / dt) if dt > 0 and np.isfinite(rise) else None
        speeds.append(v)
        m["mean_concentric_velocity"] = Metric(
            round_or_none(v, 3), "m/s", "shoulder (bar) rise / ascent"
        )
    best = max((v for v in speeds if v), default=None)
    for v, m in zip(speeds, metrics, strict=True):
        loss = None if not best or v is None else 100.0 * (best - v) / best
        m["velocity_loss_pct"] = Metric(
            round_or_none(loss), "%", "below the fastest rep of the set"
        )


def _elbow_drop(track: PoseTrack, view: ViewResult, rep: RepWindow) -> Metric:
    """Return how far the near upper arm points below horizontal from the bottom up.

    Judged only for front squats (rules.toml), where the elbows must stay up to hold the bar
    on the front delts; under a back squat the elbows point down by design.
    """
    side = near_side(view, track)
    sl = slice(rep.bottom_first, rep.end + 1)
    d = track.xy(f"{side}_shoulder")[sl] - track.xy(f"{side}_elbow")[sl]
    if np.isfinite(d).all(axis=1).mean() < 0.6:
        return Metric(None, "deg", "unmeasured: elbow not seen")
    drop = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))  # + = elbow below the shoulder
    return Metric(
        round_or_none(float(np.nanpercentile(drop, 90))),
        "deg",
        "upper arm below horizontal from the bottom to standing (0 = level, 90 = down)",
    )
