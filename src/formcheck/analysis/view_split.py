"""Clips that change view: split a track where the camera view changes, analyse each part.

A lifter may film a set side on and then walk the phone round to the front, or turn during
the clip. The view is read in short sliding windows; runs of one view shorter than
``segments.min_s`` are merged into their neighbours (a turn or a step is not a view), and
each remaining run is analysed on its own with the view it was filmed in.
"""

from __future__ import annotations

from typing import Any

from formcheck.analysis.reps import leg_length
from formcheck.analysis.signals import clean_track
from formcheck.analysis.view import detect_view
from formcheck.config import Settings, load_settings
from formcheck.track import PoseTrack, slice_track

# Views that share the side-view checks (side, oblique) or the front-view ones (front, back):
# the clip is split only between these families, never on a sway across the side/oblique
# boundary, which happens within a set.
FAMILY = {"side": "side", "oblique": "side", "front": "front", "back": "front"}


def _window_families(clean: PoseTrack, settings: Settings) -> tuple[list[tuple[int, str]], int]:
    """Return (centre frame, view family) per sliding window, and the window step."""
    size = max(3, int(settings.get("segments.window_s") * clean.fps))
    step = max(1, size // 4)
    leg = leg_length(clean)
    out = []
    for a in range(0, max(1, clean.n_frames - size + 1), step):
        part = slice_track(clean, a, min(clean.n_frames, a + size))
        if part.present.mean() > 0.5:
            view = detect_view(part, settings, leg).view
            if view in FAMILY:
                out.append((a + size // 2, FAMILY[view]))
    return out, step


def _merge_short(runs: list[list[Any]], min_frames: float, step: int) -> list[list[Any]]:
    """Merge runs shorter than ``min_frames`` into their longer neighbour, shortest first."""
    while len(runs) > 1:
        lengths = [r[1] - r[0] + step for r in runs]
        k = min(range(len(runs)), key=lambda i: lengths[i])
        if lengths[k] >= min_frames:
            break
        into = k + 1 if k == 0 or (k + 1 < len(runs) and lengths[k + 1] > lengths[k - 1]) else k - 1
        runs[into][0], runs[into][1] = (
            min(runs[into][0], runs[k][0]),
            max(runs[into][1], runs[k][1]),
        )
        del runs[k]
        merged: list[list[Any]] = []
        for r in runs:
            if merged and merged[-1][2] == r[2]:
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    return runs


def view_segments(track: PoseTrack, settings: Settings | None = None) -> list[tuple[int, int, str]]:
    """Return ``(first_frame, stop_frame, view)`` for each part of the clip with one view."""
    settings = settings or load_settings()
    clean = clean_track(track, settings)
    windows, step = _window_families(clean, settings)
    runs: list[list[Any]] = []
    for centre, family in windows:
        if runs and runs[-1][2] == family:
            runs[-1][1] = centre
        else:
            runs.append([centre, centre, family])
    runs = _merge_short(runs, settings.get("segments.min_s") * track.fps, step)
    if len(runs) <= 1:
        return [(0, track.n_frames, _view_of(clean, settings, 0, track.n_frames))]
    cuts = [0] + [(runs[i][1] + runs[i + 1][0]) // 2 for i in range(len(runs) - 1)]
    cuts.append(track.n_frames)
    return [
        (cuts[i], cuts[i + 1], _view_of(clean, settings, cuts[i], cuts[i + 1]))
        for i in range(len(runs))
    ]


def _view_of(clean: PoseTrack, settings: Settings, a: int, b: int) -> str:
    part = slice_track(clean, a, b)
    return detect_view(part, settings, leg_length(part)).view
