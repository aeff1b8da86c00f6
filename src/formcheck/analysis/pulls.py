"""Deadlift rep segmentation: pulls from the floor, and hinges from standing (RDL, stiff-leg).

Two patterns share the trunk angle (hip->shoulder line from vertical, see
:func:`formcheck.analysis.reps.trunk_lean`):

- **pull** (conventional, sumo): floor -> lockout -> floor. Each lockout is a trough of the
  trunk angle; a trough counts only when it is a real pull: the trunk reaches a lockout and
  the bar (wrists) comes up from below the knees, so grip, brace and "squat down to the bar"
  adjustments before a pull, which move the trunk but leave the bar on the floor, do not
  count.
- **hinge** (Romanian and stiff-leg deadlifts): standing -> hinge -> standing. The set starts
  at the top and the bar never rests on the floor; each rep is a peak of the trunk angle. A
  peak that reaches the floor (the bar picked up before the set or set down after it) is not
  a rep of the set.

For a pull the :class:`RepWindow` ``bottom`` fields hold the lockout (the rep's turnaround)
and ``depth`` the hip rise from the floor to lockout; for a hinge ``bottom`` is the deepest
point of the hinge, as in a squat, and ``depth`` the trunk angle gained, in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.facing import faces_camera, world_trunk_lean
from formcheck.analysis.reps import (
    RepWindow,
    Segmentation,
    find_troughs,
    hip_height,
    leg_length,
    trunk_lean,
)
from formcheck.analysis.signals import angle_from_vertical, midpoint, segment_length
from formcheck.config import Settings
from formcheck.track import PoseTrack

PATTERNS = ("pull", "hinge")
# Deadlift styles whose reps start at the top (see the module notes).
HINGE_STYLES = ("romanian",)


@dataclass
class Hinge:
    """One excursion of the trunk from standing to bent over and back."""

    start: int
    bottom: int
    end: int
    change: float  # trunk angle gained from standing, deg
    thigh_deg: float  # hip->knee line from vertical at the deepest point
    wrist_below_knee: float  # leg lengths the wrists hang below the knees there (+ = below)

    def reaches_floor(self, settings: Settings, *, by_knees: bool = True) -> bool:
        """Return True when the hinge looks like a bar on the floor (deep knees or low bar).

        ``by_knees=False`` reads the bar only: a Romanian deadlift the user named may bend
        the knees more than it should (that is a fault to report, not a reason to drop it).
        """
        low_bar = self.wrist_below_knee > settings.get("reps.hinge_max_wrist_below_knee")
        deep_knees = self.thigh_deg > settings.get("reps.hinge_max_thigh_deg")
        return bool(low_bar or (by_knees and deep_knees))


def wrist_above_knee(track: PoseTrack, leg_px: float) -> np.ndarray:
    """Return the wrists' height above the knees in leg lengths per frame (+ = above)."""
    wrist = midpoint(track, "left_wrist", "right_wrist")[:, 1]
    knee = midpoint(track, "left_knee", "right_knee")[:, 1]
    return (wrist - knee) / leg_px


def thigh_from_vertical(track: PoseTrack) -> np.ndarray:
    """Return the more upright thigh's angle from vertical per frame, 0..180 deg."""
    left = angle_from_vertical(track.xy("left_knee"), track.xy("left_hip"))
    right = angle_from_vertical(track.xy("right_knee"), track.xy("right_hip"))
    return np.fmin(left, right)


def segmentation_lean(track: PoseTrack, settings: Settings, leg_px: float) -> np.ndarray:
    """Return the trunk lean per frame that deadlift segmentation reads, deg from vertical.

    Side on or oblique it is the image's :func:`trunk_lean`; face on the trunk bends towards
    the camera and the image angle hardly moves, so it comes from the world landmarks
    (:mod:`formcheck.analysis.facing`).
    """
    if faces_camera(track, settings, leg_px):
        return world_trunk_lean(track, settings)
    return trunk_lean(track)


def find_hinges(
    track: PoseTrack, settings: Settings, leg_px: float, lean: np.ndarray
) -> list[Hinge]:
    """Return the trunk's excursions from standing to bent over and back.

    ``lean`` is the per-frame trunk lean of :func:`segmentation_lean`.
    """
    wrist = wrist_above_knee(track, leg_px)
    thigh = thigh_from_vertical(track)
    out = []
    peaks = find_troughs(
        -lean,
        settings.get("reps.dl_min_lean_change"),
        settings.get("reps.dl_exit_lean"),
        turn=settings.get("reps.dl_turn_lean"),
    )
    for a, bottom, b, change in peaks:
        near = slice(max(a, bottom - 2), min(b, bottom + 2) + 1)
        out.append(
            Hinge(
                a,
                bottom,
                b,
                change,
                float(np.nanmedian(thigh[near])) if np.isfinite(thigh[near]).any() else 0.0,
                -float(np.nanmedian(wrist[near])) if np.isfinite(wrist[near]).any() else 0.0,
            )
        )
    return out


def deadlift_pattern(
    hinges: list[Hinge], settings: Settings, style: str | None, start_lean: float
) -> tuple[str, str]:
    """Return ("pull" | "hinge", why): how the reps of this deadlift clip run.

    A style the user chose decides. A clip that starts bent over the bar (``start_lean``,
    the trunk angle over the first half second) is a set of pulls. Otherwise hinges that
    stop short of the floor make it a Romanian-style set when there are at least as many of
    them as floor hinges beyond the two a set may have around it (picking the bar up,
    setting it down).
    """
    if style is not None:
        pattern = "hinge" if style in HINGE_STYLES else "pull"
        return pattern, f"--style {style}"
    if start_lean > settings.get("reps.hinge_start_max_lean"):
        return "pull", f"the clip starts bent over the bar (trunk {start_lean:.0f} deg)"
    floor = sum(h.reaches_floor(settings) for h in hinges)
    short = len(hinges) - floor
    if short and short >= floor - 2:
        return "hinge", (
            f"{short} hinge(s) from standing that stop short of the floor (thigh within "
            f"{settings.get('reps.hinge_max_thigh_deg'):g} deg of vertical, bar above mid-shin)"
            f" against {floor} to the floor"
        )
    return "pull", "the bar goes back to the floor between reps"


def segment_deadlifts(
    track: PoseTrack, settings: Settings, style: str | None = None
) -> Segmentation:
    """Return the deadlift reps of a cleaned track, pulls or hinges (see module notes)."""
    leg_px = leg_length(track)
    legs_seen = bool(np.isfinite(leg_px) and leg_px > 0)
    lean = segmentation_lean(track, settings, leg_px)
    hinges = find_hinges(track, settings, leg_px, lean) if legs_seen else []
    first = lean[: max(1, round(0.5 * track.fps))]
    start_lean = float(np.nanmedian(first)) if np.isfinite(first).any() else 0.0
    pattern, why = deadlift_pattern(hinges, settings, style, start_lean)
    if pattern == "hinge":
        seg = _segment_hinges(track, settings, hinges, leg_px, lean)
    else:
        seg = segment_pulls(track, settings, lean)
    seg.pattern, seg.pattern_reason = pattern, why
    return seg


def _segment_hinges(
    track: PoseTrack, settings: Settings, hinges: list[Hinge], leg_px: float, lean: np.ndarray
) -> Segmentation:
    t = track.times_s
    reps: list[RepWindow] = []
    rejected: list[tuple[float, float, str]] = []
    for h in hinges:
        if h.reaches_floor(settings, by_knees=False):
            rejected.append(
                (float(t[h.start]), float(t[h.end]), "bar to the floor: picking up or setting down")
            )
        elif (t[h.end] - t[h.start]) < settings.get("reps.min_duration_s"):
            rejected.append((float(t[h.start]), float(t[h.end]), "too fast"))
        else:
            span = lean[h.start : h.end + 1]
            deep = np.flatnonzero(span >= np.nanmax(span) - 5.0) + h.start
            reps.append(RepWindow(h.start, h.bottom, h.end, int(deep[0]), int(deep[-1]), h.change))
    full = max((r.depth for r in reps), default=0.0)
    for r in reps:
        if r.depth < settings.get("reps.partial_ratio") * full:
            r.partial = True
            r.note = f"hinged {r.depth:.0f} deg vs {full:.0f} deg for the deepest rep"
    return Segmentation(reps, rejected, hip_height(track, leg_px), leg_px)


def _not_a_pull(lean: np.ndarray, wrist: np.ndarray, a: int, top: int, settings: Settings) -> str:
    """Return why the lockout trough ``a..top`` is not a pull ("" when it is one)."""
    top_lean = float(np.nanmin(lean[a : top + 1]))
    if top_lean > settings.get("reps.dl_lockout_max_lean"):
        return (
            f"no lockout (trunk still {top_lean:.0f} deg from vertical at the top): a set-up or "
            "brace adjustment"
        )
    # Judged only when the wrists are seen at the top: side on, the body hides the far hand
    # and the near one often reads as not visible at lockout.
    at_top = wrist[max(a, top - 3) : top + 4]
    before = wrist[a : top + 1]
    if np.isfinite(at_top).any() and np.isfinite(before).any():
        rise = float(np.nanmax(at_top) - np.nanmin(before))
        if rise < settings.get("reps.dl_min_bar_rise"):
            return (
                f"the bar did not come up (wrists rose {rise:.2f} leg lengths): a grip or "
                "set-up adjustment"
            )
    return ""


def segment_pulls(track: PoseTrack, settings: Settings, lean: np.ndarray) -> Segmentation:
    """Return the pulls of a cleaned track: floor -> lockout -> floor.

    ``lean`` is the per-frame trunk lean of :func:`segmentation_lean`.

    Notes
    -----
    A deadlift clip usually starts with the bar on the floor, so the squat's "excursion below
    standing" does not fit. The trunk angle does: about 60-80 deg from vertical over the bar,
    near 0 at lockout, whatever the camera height and whether the feet are in frame. Each
    lockout is a trough of the trunk angle at least ``reps.dl_min_lean_change`` below the floor
    position either side; the rep starts where the trunk leaves the floor angle (within
    ``reps.dl_exit_lean``) and ends where it is back - at once for touch-and-go, after the
    pause for dead-stop reps. A clip that ends at lockout still counts the last pull. A trough
    whose top is not a lockout (trunk beyond ``reps.dl_lockout_max_lean``) or whose wrists
    rise less than ``reps.dl_min_bar_rise`` is a set-up adjustment, not a pull. For a
    deadlift the :class:`RepWindow` ``bottom`` fields hold the lockout, the turnaround of the
    rep, and ``depth`` the hip rise from the floor to lockout in leg lengths.
    """
    t = track.times_s
    leg_px = leg_length(track)
    h = hip_height(track, leg_px) if np.isfinite(leg_px) and leg_px > 0 else None
    troughs = find_troughs(
        lean,
        settings.get("reps.dl_min_lean_change"),
        settings.get("reps.dl_exit_lean"),
        turn=settings.get("reps.dl_turn_lean"),
        pad_end=True,
    )
    reps: list[RepWindow] = []
    rejected: list[tuple[float, float, str]] = []
    kept = []
    wrist = wrist_above_knee(track, leg_px) if h is not None else np.full(len(t), np.nan)
    for a, top, b, change in troughs:
        # No feet-moving check as for squats: walking never swings the trunk by 35 deg, and
        # the plates hide the feet at the floor, so the ankle landmarks jump about.
        why = _not_a_pull(lean, wrist, a, top, settings)
        if (t[b] - t[a]) < settings.get("reps.min_duration_s"):
            why = f"too fast ({t[b] - t[a]:.2f} s)"
        if why:
            rejected.append((float(t[a]), float(t[b]), why))
        else:
            kept.append((a, top, b, change))
    full = max((c[3] for c in kept), default=0.0)
    shoulder = midpoint(track, "left_shoulder", "right_shoulder")[:, 1]
    torso = float(np.nanmedian(segment_length(track, "left_shoulder", "left_hip")))
    for a, top, b, change in kept:
        # Lockout hold: shoulders near their highest. Not the trunk angle, which passes
        # through 0 when a lifter leans back and so would shrink the hold to one frame.
        s = np.nan_to_num(shoulder[a : b + 1], nan=-np.inf)
        hold = np.flatnonzero(s >= np.max(s) - 0.08 * torso) + a
        if not np.isfinite(np.max(s)):
            hold = np.array([top])
        rise = float(np.nanmax(h[a : b + 1]) - h[a]) if h is not None else float("nan")
        rep = RepWindow(a, top, b, min(int(hold[0]), top), max(int(hold[-1]), top), rise)
        if change < settings.get("reps.partial_ratio") * full:
            rep.partial = True
            rep.note = f"trunk rose {change:.0f} deg vs {full:.0f} deg for the fullest pull"
        reps.append(rep)
    return Segmentation(reps, rejected, h, leg_px)
