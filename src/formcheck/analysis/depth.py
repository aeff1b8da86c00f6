"""Hip joint centres from BlazePose's hip landmarks, squat depth in words, angle uncertainty.

Conventions as in :mod:`formcheck.analysis.squat_side`: pixels y-up, angles in degrees, the
depth (thigh) angle is how far the hip joint is below the knee (0 = parallel, > 0 below).

Notes
-----
BlazePose's hip landmark is a surface point learnt from image labels, not the joint centre:
the joint sits lower on the pelvis. The offset (``hip_joint.offset``, thigh lengths, from
published hip-joint-centre regressions) is applied along the pelvis' downward axis, which a
2-D track does not show; it is taken as vertical tilted forward by ``hip_joint.pelvis_share``
of the trunk's lean (the pelvis tilts with the trunk, the lumbar spine takes the rest).
Every number here is a default in ``data/analysis.toml`` with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.config import Settings
from formcheck.errors import ConfigError
from formcheck.result import Metric
from formcheck.track import PoseTrack

DEPTH_WORDS = ("above parallel", "at parallel", "below parallel")
# Visibility below this is treated as this: the model's guess is not worth less than that.
MIN_VISIBILITY = 0.2


@dataclass(frozen=True)
class HipJoints:
    """Estimated hip joint centres of both sides, with the scale they were placed by.

    Attributes
    ----------
    left, right : ndarray, shape (frames, 2)
        Joint centres in pixels, y up (NaN where the landmark is unknown).
    thigh_px : dict of str to float
        Standing thigh length per side (joint centre to knee), pixels.
    offset_sd_px : float
        One standard deviation of the placement, pixels (from ``hip_joint.offset_sd``).
    """

    left: np.ndarray
    right: np.ndarray
    thigh_px: dict[str, float]
    offset_sd_px: float

    def side(self, side: str) -> np.ndarray:
        """Return the (frames, 2) joint centre of ``side`` ("left" or "right")."""
        return self.left if side == "left" else self.right


def _robust_length(d: np.ndarray) -> float:
    """Return the 90th percentile of a length series (the least foreshortened frames)."""
    finite = d[np.isfinite(d)]
    return float(np.percentile(finite, 90)) if finite.size else float("nan")


def pelvis_down(track: PoseTrack, share: float) -> np.ndarray:
    """Return the (frames, 2) unit vector along the pelvis' downward axis, y up.

    Vertical-down tilted forward by ``share`` of the trunk's lean (hip mid -> shoulder mid).
    """
    hips = (track.xy("left_hip") + track.xy("right_hip")) / 2
    shoulders = (track.xy("left_shoulder") + track.xy("right_shoulder")) / 2
    trunk = shoulders - hips
    tilt = share * np.arctan2(trunk[:, 0], trunk[:, 1])  # signed lean from vertical-up
    return -np.stack([np.sin(tilt), np.cos(tilt)], axis=1)


def hip_joint_centres(track: PoseTrack, settings: Settings) -> HipJoints:
    """Return both hip joint centres estimated from the hip landmarks of a cleaned track."""
    offset = settings.get("hip_joint.offset")
    share = settings.get("hip_joint.pelvis_share")
    down = pelvis_down(track, share)
    centres: dict[str, np.ndarray] = {}
    thigh: dict[str, float] = {}
    for side in ("left", "right"):
        hip, knee = track.xy(f"{side}_hip"), track.xy(f"{side}_knee")
        landmark_thigh = _robust_length(np.linalg.norm(knee - hip, axis=1))
        centres[side] = hip + offset * landmark_thigh * down
        thigh[side] = _robust_length(np.linalg.norm(knee - centres[side], axis=1))
    scale = np.nanmean([v for v in thigh.values() if np.isfinite(v)] or [np.nan])
    return HipJoints(
        left=centres["left"],
        right=centres["right"],
        thigh_px=thigh,
        offset_sd_px=float(settings.get("hip_joint.offset_sd") * scale),
    )


def depth_angle(hip: np.ndarray, knee: np.ndarray, thigh_px: float) -> np.ndarray:
    """Return the per-frame thigh angle below horizontal, -90..90 degrees.

    The angle is the hip's drop below the knee over the thigh's standing length: a drop is
    not foreshortened when the camera turns about the vertical, so an oblique view reads
    the same angle as a side view (``atan2(drop, run)`` would overstate it there).
    """
    drop = knee[:, 1] - hip[:, 1]
    if not np.isfinite(thigh_px) or thigh_px <= 0:
        run = np.abs(knee[:, 0] - hip[:, 0])
        return np.degrees(np.arctan2(drop, run))
    return np.degrees(np.arcsin(np.clip(drop / thigh_px, -1.0, 1.0)))


def depth_words(angle_deg: float | None, band_deg: float) -> str:
    """Return the depth in the lifter's words: above, at (within ``band_deg``) or below parallel.

    Raises
    ------
    ConfigError
        When the band is negative or not a number.
    """
    if not np.isfinite(band_deg) or band_deg < 0:
        raise ConfigError(f"depth.parallel_band_deg: expected a number >= 0, got {band_deg!r}")
    if angle_deg is None or not np.isfinite(angle_deg):
        return ""
    if angle_deg > band_deg:
        return DEPTH_WORDS[2]
    return DEPTH_WORDS[1] if angle_deg >= -band_deg else DEPTH_WORDS[0]


def landmark_sd_px(track: PoseTrack, name: str, frames: slice, unit_px: float,
                   settings: Settings) -> float:
    """Return one standard deviation of a landmark's position over ``frames``, pixels.

    ``depth.landmark_sd`` thigh lengths at full visibility, growing as 1 / visibility.
    """
    vis = track.vis(name)[frames]
    v = float(np.nanmedian(vis)) if np.isfinite(vis).any() else MIN_VISIBILITY
    return settings.get("depth.landmark_sd") * unit_px / max(v, MIN_VISIBILITY)


def segment_sd_deg(sd_a: float, sd_b: float, length_px: float) -> float:
    """Return one standard deviation of a segment's angle from its two end points' scatter."""
    if not np.isfinite(length_px) or length_px <= 0:
        return float("nan")
    return float(np.degrees(np.hypot(sd_a, sd_b) / length_px))


def view_sd_deg(thigh_bottom_px: float, thigh_px: float, settings: Settings) -> float:
    """Return the view-angle term of the depth uncertainty, degrees.

    The thigh's foreshortening at the bottom gives the view angle (1 = side-on); the term
    grows with its sine, from 0 side-on to ``depth.view_sd_deg`` end-on.
    """
    if not (np.isfinite(thigh_bottom_px) and np.isfinite(thigh_px)) or thigh_px <= 0:
        return settings.get("depth.view_sd_deg")
    ratio = min(1.0, thigh_bottom_px / thigh_px)
    return float(settings.get("depth.view_sd_deg") * np.sqrt(1.0 - ratio**2))


def combine_sd(*terms: float) -> float | None:
    """Return the quadrature sum of independent standard deviations, rounded to 0.1."""
    finite = [t for t in terms if np.isfinite(t)]
    if len(finite) != len(terms):
        return None
    return round(float(np.sqrt(np.sum(np.square(finite)))), 1)


def with_uncertainty(value: float | None, sd: float | None, words: str = "") -> str:
    """Return ``"-2 deg ± 4 deg: at parallel"`` style text for an angle."""
    if value is None:
        return "-"
    text = f"{value:+.0f} deg" if words else f"{value:.0f} deg"
    if sd is not None:
        text += f" ± {sd:.0f} deg"
    return f"{text}: {words}" if words else text


def _sd(track: PoseTrack, name: str, sl: slice, unit: float, settings: Settings,
        extra: float = 0.0) -> float:
    return float(np.hypot(landmark_sd_px(track, name, sl, unit, settings), extra))


def _length(a: np.ndarray, b: np.ndarray, frame: int) -> float:
    return float(np.linalg.norm(a[frame] - b[frame]))


def add_uncertainty(
    track: PoseTrack,
    side: str,
    series: dict[str, np.ndarray],
    bottom: int,
    sl: slice,
    hips: HipJoints,
    settings: Settings,
    metrics: dict[str, Metric],
    view: str = "side",
) -> None:
    """Attach to each angle metric of one squat rep its uncertainty; to the depth its words.

    Words are given for side and oblique views only: from the front or back the thigh
    points at the camera and depth is not judged (rules.toml ``depth_shallow.views``).

    Each angle's standard deviation combines the scatter of its end points (growing as
    their visibility falls), the hip joint offset's own uncertainty where the hip is an end
    point, and for the depth the view angle (read from the thigh's foreshortening).
    """
    unit = hips.thigh_px[side]
    hip = hips.side(side)
    knee, ankle = track.xy(f"{side}_knee"), track.xy(f"{side}_ankle")
    shoulder = track.xy(f"{side}_shoulder")
    sd_hip = _sd(track, f"{side}_hip", sl, unit, settings, hips.offset_sd_px)
    sd_knee = _sd(track, f"{side}_knee", sl, unit, settings)
    sd_ankle = _sd(track, f"{side}_ankle", sl, unit, settings)
    sd_sh = _sd(track, f"{side}_shoulder", sl, unit, settings)
    sd_ear = _sd(track, f"{side}_ear", sl, unit, settings)
    thigh = segment_sd_deg(sd_hip, sd_knee, unit)
    shin = segment_sd_deg(sd_knee, sd_ankle, _length(knee, ankle, bottom))
    torso_px = _length(shoulder, hip, bottom)
    trunk = segment_sd_deg(sd_hip, sd_sh, torso_px)
    trunk_noise = segment_sd_deg(_sd(track, f"{side}_hip", sl, unit, settings), sd_sh, torso_px)
    neck = segment_sd_deg(sd_sh, sd_ear, _length(track.xy(f"{side}_ear"), shoulder, bottom))
    view_term = view_sd_deg(_length(hip, knee, bottom), unit, settings)
    sds = {
        "depth_thigh_deg": combine_sd(thigh, view_term),
        "knee_min_deg": combine_sd(thigh, shin),
        "hip_min_deg": combine_sd(thigh, trunk),
        "trunk_lean_max_deg": combine_sd(trunk),
        "trunk_minus_shin_deg": combine_sd(trunk, shin),
        # A change within one rep: the offset's bias cancels, the landmark scatter does not.
        "early_ascent_lean_change_deg": combine_sd(trunk_noise, trunk_noise),
        "neck_change_deg": combine_sd(neck, trunk_noise),
    }
    for key, sd in sds.items():
        if key in metrics and metrics[key].value is not None:
            metrics[key].uncertainty = sd
    depth = metrics.get("depth_thigh_deg")
    if depth is not None and isinstance(depth.value, float) and view in ("side", "oblique"):
        depth.words = depth_words(depth.value, settings.get("depth.parallel_band_deg"))
