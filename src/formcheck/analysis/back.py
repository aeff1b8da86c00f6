"""Back rounding: how far the back's silhouette bows out between hip and shoulder.

BlazePose has no spine landmarks, so the spine's shape is read from the person-segmentation
silhouette (``PoseTrack.back_profile``: the distance from the hip->shoulder midpoint line to
the silhouette edge at ``K`` points along it, on both sides). A flat back is a straight edge
parallel to that line; a rounded (flexed) back is an edge that bows *away* from it between
the two ends, as an arc bows away from its chord.

The measure, per frame, is the **bow**: the mean distance of the middle of the back edge
(points 3..K-4) beyond the chord from point 1 to point K-2, in torso lengths (hip to shoulder
midpoint in the same frame); + = convex (rounded), - = concave (arched). The end points are
left out: the glutes at the hip end and the trapezius and neck at the shoulder end shape the
silhouette whatever the spine does.

Per rep it is read at the frames of greatest hip flexion (the set-up of a deadlift, the
bottom of a squat or hinge), where a back that is going to round is rounded, and the same
measure at the lifter's own standing frames is reported beside it.

Notes
-----
- Only frames where the edge was found are used: a walk that reached its limit
  (``silhouette.REACH``) ran into something else (a plate, the bar, another person, the
  frame's edge), and such a frame says nothing about the back.
- The standing bow is not subtracted: standing, the lower back is hollow (lordosis, a bow
  of -0.02 to -0.04 on the shared clips) and it flattens in any hinge, so a change from
  standing reads a neutral hinge as rounding. The standing value is reported for context.
- What this cannot see: a lumbar flexion hidden under a loose shirt, a belt, or by the
  bar or plates in front of the back; the check says "unmeasured" where the edge is not
  found in enough frames.
"""

from __future__ import annotations

import warnings

import numpy as np

from formcheck.analysis.nanmath import round_or_none
from formcheck.analysis.reps import RepWindow
from formcheck.analysis.signals import interior_angle, midpoint
from formcheck.analysis.view import near_side
from formcheck.capture.silhouette import REACH
from formcheck.config import Settings
from formcheck.result import Metric, ViewResult
from formcheck.track import PoseTrack

UNIT = "torso lengths (+ = back bows out, rounded; - = hollow)"
# How far before a pull's detected start its set-up is searched (s), as deadlift.SET_SEARCH_S.
SETUP_S = 1.5
# Walks stopping within this of a frame's largest distance (px) stopped at the same place.
LIMIT_TIE_PX = 1.0


def back_edge(track: PoseTrack, view: ViewResult, settings: Settings) -> np.ndarray:
    """Return the (frames, K) back-side silhouette distances in torso lengths (NaN: no edge).

    The back side is the profile side opposite the way the lifter faces. A distance within
    ``back.edge_margin`` of the walk's reach means no edge was found there: the whole frame
    is then NaN, as its shape is not the back's.
    """
    n = track.n_frames
    if track.back_profile is None or view.facing not in ("left", "right"):
        return np.full((n, 1), np.nan)
    back = track.back_profile[:, 1 if view.facing == "right" else 0, :]
    torso = np.linalg.norm(
        midpoint(track, "left_shoulder", "right_shoulder")
        - midpoint(track, "left_hip", "right_hip"),
        axis=1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        edge = back / torso[:, None]
    no_edge = np.nan_to_num(edge, nan=np.inf) >= REACH - settings.get("back.edge_margin")
    no_edge |= _at_walk_limit(track.back_profile, back)
    edge[no_edge[:, 1:-1].any(axis=1)] = np.nan  # the points the bow is measured on
    return edge


def _at_walk_limit(profile: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Return, per frame and point, whether ``back`` sits at the frame's walk limit.

    Every walk of a frame has the same length, so when three or more of the frame's walks
    (both sides) stop at its largest distance, that distance is the limit, not an edge. This
    holds whatever the landmarks did later: cleaning moves the hips and shoulders (and so
    the torso length) after the walk was made, which blurs the check against ``REACH``.
    """
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames give NaN
        top = np.nanmax(profile.reshape(len(profile), -1), axis=1)
    near_top = np.nan_to_num(profile, nan=-np.inf) >= top[:, None, None] - LIMIT_TIE_PX
    hit = near_top.reshape(len(profile), -1).sum(axis=1) >= 3
    return hit[:, None] & (np.nan_to_num(back, nan=-np.inf) >= top[:, None] - LIMIT_TIE_PX)


def back_bow(edge: np.ndarray) -> np.ndarray:
    """Return the per-frame bow of the back edge beyond its chord, torso lengths (+ = convex).

    ``edge`` is :func:`back_edge`'s (frames, K) array; fewer than 7 points give NaN.
    """
    k = edge.shape[1]
    if k < 7:
        return np.full(edge.shape[0], np.nan)
    chord = np.linspace(edge[:, 1], edge[:, k - 2], k - 2, axis=1)  # points 1..K-2
    beyond = edge[:, 1 : k - 1] - chord
    return np.mean(beyond[:, 2 : k - 4], axis=1)  # points 3..K-4


def hip_flexion(track: PoseTrack, side: str) -> np.ndarray:
    """Return the shoulder-hip-knee angle of ``side`` per frame, degrees (180 = straight)."""
    return interior_angle(
        track.xy(f"{side}_shoulder"), track.xy(f"{side}_hip"), track.xy(f"{side}_knee")
    )


def flexed_frames(hip_deg: np.ndarray, window: slice, band_deg: float) -> np.ndarray:
    """Return the frames of ``window`` whose hip angle is within ``band_deg`` of its smallest."""
    idx = np.arange(len(hip_deg))[window]
    x = hip_deg[window]
    if not np.isfinite(x).any():
        return np.array([], dtype=int)
    return idx[np.nan_to_num(x, nan=np.inf) <= np.nanmin(x) + band_deg]


def rounding_metrics(
    track: PoseTrack,
    view: ViewResult,
    settings: Settings,
    side: str,
    window: slice,
    standing: np.ndarray,
) -> dict[str, Metric]:
    """Return the back bow at the rep's greatest hip flexion and while standing.

    Parameters
    ----------
    window : slice
        The frames to search for the greatest hip flexion (a deadlift's set-up and pull, a
        squat's or hinge's whole rep).
    standing : ndarray of bool
        The lifter's standing frames near the rep (reported for context, not subtracted).
    """
    edge = back_edge(track, view, settings)
    bow = back_bow(edge)
    # The most bent frames *where the back's edge is seen*: a plate passing the hips both
    # hides the edge and throws the hip landmark, so its frames must not pick the posture.
    # They must still be among the most bent frames of the window (its 10th percentile of
    # hip angle, which one misplaced hip landmark does not set), or the set-up was hidden.
    band = settings.get("back.flexion_band_deg")
    hip_all = hip_flexion(track, side)
    hip = np.where(np.isfinite(bow), hip_all, np.nan)
    seen = flexed_frames(hip, window, band)
    if seen.size:
        seen = seen[hip[seen] <= np.nanpercentile(hip_all[window], 10) + band]
    need = int(settings.get("back.min_frames"))
    out: dict[str, Metric] = {}
    if view.facing not in ("left", "right") or track.back_profile is None:
        why = "unmeasured: the back silhouette needs a side view with a known facing"
        out["back_bow"] = Metric(None, UNIT, why)
    elif seen.size < need:
        why = (
            f"unmeasured: the back's edge was found in {seen.size} frame(s) near the greatest "
            "hip flexion (a plate, the bar or the frame's edge meets the silhouette)"
        )
        out["back_bow"] = Metric(None, UNIT, why)
    else:
        out["back_bow"] = Metric(
            round_or_none(float(np.median(bow[seen])), 3),
            UNIT,
            f"back silhouette bow beyond its chord at the greatest hip flexion where the back's "
            f"edge is seen ({seen.size} frames)",
        )
    stand = bow[standing & np.isfinite(bow)]
    out["back_bow_standing"] = Metric(
        round_or_none(float(np.median(stand)), 3) if stand.size >= need else None,
        UNIT,
        "the same bow while standing (context: a standing lower back is hollow)",
    )
    return out


def _windows(rep: RepWindow, pattern: str, fps: float, n: int) -> tuple[slice, slice]:
    """Return (where to look for the greatest hip flexion, where the lifter stands) of a rep.

    A pull is bent over the bar before its detected start (the start is where the trunk
    leaves the floor angle), so its search reaches back ``SETUP_S``; it stands at lockout.
    A squat or a hinge bends inside the rep and stands at its ends.
    """
    if pattern == "pull":
        return slice(max(0, rep.start - int(SETUP_S * fps)), rep.bottom + 1), slice(
            rep.bottom_first, rep.bottom_last + 1
        )
    return slice(rep.start, rep.end + 1), slice(max(0, rep.start - int(fps)), min(n, rep.start + 3))


def add_rounding(
    track: PoseTrack,
    view: ViewResult,
    settings: Settings,
    reps: list[RepWindow],
    pattern: str,
    metrics: list[dict[str, Metric]],
) -> None:
    """Add :func:`rounding_metrics` to each rep's metrics in place.

    ``pattern`` is the segmentation's: ``pull`` (a deadlift from the floor), ``hinge`` (an
    RDL) or ``squat``.
    """
    side = near_side(view, track)
    for rep, m in zip(reps, metrics, strict=True):
        search, stand = _windows(rep, pattern, track.fps, track.n_frames)
        standing = np.zeros(track.n_frames, dtype=bool)
        standing[stand] = True
        m.update(rounding_metrics(track, view, settings, side, search, standing))
