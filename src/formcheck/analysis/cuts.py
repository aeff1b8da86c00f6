"""Cuts in an edited clip: frames where every landmark jumps at once start a new shot.

A jump cut (an edited set, a clip stitched from two recordings) moves the whole body between
two frames by more than any movement can: the feet, which stay planted through a squat or a
pull, jump with everything else. Reps never span a cut, and signals are cleaned within each
shot, so the low-pass filter does not smear one shot into the next.
"""

from __future__ import annotations

import itertools

import numpy as np

from formcheck.analysis.signals import clean_track
from formcheck.config import Settings
from formcheck.track import INDEX, PoseTrack, slice_track

_TORSO = (INDEX["left_shoulder"], INDEX["right_shoulder"], INDEX["left_hip"], INDEX["right_hip"])


def _torso_px(xy: np.ndarray) -> np.ndarray:
    """Return the per-frame shoulder-midpoint to hip-midpoint distance in pixels."""
    shoulder = (xy[:, _TORSO[0]] + xy[:, _TORSO[1]]) / 2
    hip = (xy[:, _TORSO[2]] + xy[:, _TORSO[3]]) / 2
    return np.linalg.norm(shoulder - hip, axis=1)


def find_cuts(track: PoseTrack, settings: Settings) -> list[int]:
    """Return the frames that start a new shot (a cut lies just before each).

    A frame starts a shot when at least ``cuts.landmark_fraction`` of the landmarks moved
    more than ``cuts.min_jump`` torso lengths since the frame before, and that step is
    ``cuts.jump_ratio`` times the body's usual step nearby (so a fast camera pan, which moves
    everything every frame, is not a cut), and the body does not jump back within two frames
    (a one-frame glitch is the outlier filter's job). Frames without a person are skipped: someone
    leaving and coming back is an absence, not a cut.
    """
    xy = track.image_xy
    n = track.n_frames
    if n < 3:
        return []
    torso = float(np.nanmedian(_torso_px(xy)))
    if not np.isfinite(torso) or torso <= 0:
        return []
    step = np.linalg.norm(xy[1:] - xy[:-1], axis=2) / torso  # (n-1, 33) torso lengths
    pair = track.present[1:] & track.present[:-1]
    moved = np.nanmean(step > settings.get("cuts.min_jump"), axis=1)
    typical = np.nanmedian(step, axis=1)
    window = max(2, round(0.25 * track.fps))
    out = []
    for i in np.flatnonzero(pair & (moved >= settings.get("cuts.landmark_fraction"))):
        near = np.r_[typical[max(0, i - window) : i], typical[i + 1 : i + 1 + window]]
        usual = float(np.nanmedian(near)) if np.isfinite(near).any() else 0.0
        # A one-frame glitch (the tracker on someone else and back) returns: not a shot.
        after = xy[min(n - 1, i + 2)] - xy[i]
        stays = float(np.nanmedian(np.linalg.norm(after, axis=1))) / torso
        big = typical[i] >= settings.get("cuts.jump_ratio") * max(usual, 1e-3)
        if big and stays > settings.get("cuts.min_jump"):
            out.append(int(i) + 1)
    return out


def pieces(n_frames: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Return the (first, end) frame ranges of the shots between ``cuts`` (end exclusive)."""
    edges = [0, *[c for c in cuts if 0 < c < n_frames], n_frames]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def clean_by_shot(track: PoseTrack, settings: Settings, cuts: list[int]) -> PoseTrack:
    """Return ``track`` cleaned (see :func:`clean_track`) within each shot on its own."""
    if not cuts:
        return clean_track(track, settings)
    xy = track.image_xy.copy()
    line = ""
    for a, b in pieces(track.n_frames, cuts):
        part = clean_track(slice_track(track, a, b), settings)
        xy[a:b] = part.image_xy
        line = part.history[-1]
    shown = ", ".join(f"{track.times_s[c]:.2f}" for c in cuts)
    return track.with_history(f"{line}; within each shot (cuts at {shown} s)", image_xy=xy)
