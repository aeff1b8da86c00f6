"""Sagittal angles for rep segmentation that hold when the lifter faces the camera.

Side on, the knee bend and the trunk's lean are seen in the image plane and the 2-D angles
measure them. Face on (or from behind), both happen towards the camera: the thigh and the
trunk shorten in the image instead of turning, so a quarter squat's knees read as straight
and a deadlift's trunk reads as upright from the floor to lockout. BlazePose's world
landmarks (metres, origin between the hips, y down) keep the depth axis, so for those views
the segmentation reads the knee bend and the trunk lean from them instead.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.lift import world_angle
from formcheck.analysis.signals import fill_gaps, lowpass
from formcheck.analysis.view import detect_view
from formcheck.config import Settings
from formcheck.track import INDEX, PoseTrack

FACE_ON = ("front", "back")


def faces_camera(track: PoseTrack, settings: Settings, leg_px: float) -> bool:
    """Return True when a cleaned track is seen from the front or back (sagittal angles hidden)."""
    if not np.isfinite(leg_px) or leg_px <= 0:
        return False
    return detect_view(track, settings, leg_px).view in FACE_ON


def _world_mid(track: PoseTrack, a: str, b: str) -> np.ndarray:
    w = track.world_xyz
    return (w[:, INDEX[a]] + w[:, INDEX[b]]) / 2


def _smooth(x: np.ndarray, track: PoseTrack, settings: Settings) -> np.ndarray:
    """Return ``x`` gap-filled and low-passed like the cleaned image landmarks."""
    max_gap = max(1, round(settings.get("signals.max_gap_s") * track.fps))
    filled = fill_gaps(x, max_gap)
    order = int(settings.get("signals.lowpass_order"))
    return lowpass(filled, track.fps, settings.get("signals.lowpass_hz"), order)


def world_trunk_lean(track: PoseTrack, settings: Settings) -> np.ndarray:
    """Return the hip->shoulder line's signed lean from vertical in world space, deg per frame.

    The same convention as :func:`formcheck.analysis.reps.trunk_lean`: positive towards the
    side the lifter bends over to (taken from the frames bent more than 45 deg), negative
    leaning back, 0 upright.
    """
    d = _world_mid(track, "left_shoulder", "right_shoulder") - _world_mid(
        track, "left_hip", "right_hip"
    )
    d[~track.present] = np.nan
    up = -d[:, 1]  # world y points down
    horizontal = d[:, [0, 2]]
    unsigned = np.degrees(np.arctan2(np.linalg.norm(horizontal, axis=1), up))
    bent = np.nan_to_num(unsigned, nan=0.0) > 45.0
    ahead = np.nanmedian(horizontal[bent], axis=0) if bent.any() else np.array([0.0, -1.0])
    norm = float(np.linalg.norm(ahead))
    ahead = ahead / norm if norm > 0 else np.array([0.0, -1.0])
    lean = np.degrees(np.arctan2(horizontal @ ahead, up))
    return _smooth(lean, track, settings)


def world_knee_flexion(track: PoseTrack, settings: Settings, a: int, b: int) -> float:
    """Return the most either knee bends from straight over frames ``a..b``, world space, deg."""
    best = 0.0
    for side in ("left", "right"):
        angle = world_angle(track, f"{side}_hip", f"{side}_knee", f"{side}_ankle")
        angle = _smooth(angle, track, settings)[a:b]
        if np.isfinite(angle).any():
            best = max(best, 180.0 - float(np.nanmin(angle)))
    return best
