"""Cleaned landmark signals and the per-frame angle series derived from them.

Angle convention (see docs/conventions.md): every angle is in degrees, computed with
``arccos`` of a normalised dot product or ``arctan2`` of an absolute component, so it lies in a
fixed range and never wraps or flips by 180 degrees. Image y points down in the track; all
geometry here first turns it to y-up.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi

from formcheck.analysis.nanmath import true_runs
from formcheck.config import Settings
from formcheck.track import INDEX, PoseTrack


def reject_outliers(x: np.ndarray, window: int, n_mads: float) -> np.ndarray:
    """Return ``x`` with Hampel outliers (far from the running median) set to NaN."""
    out = x.copy()
    if window < 1 or len(x) < 3:
        return out
    n = len(x)
    pad = np.pad(x, window, mode="edge")
    stacked = np.lib.stride_tricks.sliding_window_view(pad, 2 * window + 1)[:n]
    med = _row_nanmedian(stacked)
    mad = _row_nanmedian(np.abs(stacked - med[:, None]))
    # A floor on the MAD keeps a perfectly still landmark from flagging sub-pixel noise.
    scale = np.maximum(1.4826 * mad, 1.0)
    out[np.abs(x - med) > n_mads * scale] = np.nan
    return out


def _row_nanmedian(rows: np.ndarray) -> np.ndarray:
    """Return ``np.nanmedian(rows, axis=1)`` bit for bit, from one sort of the rows.

    ``np.nanmedian`` of short rows goes through masked arrays, about 10x slower, and the
    Hampel filter runs over every landmark series. NaN sorts last, so the values of a
    row are its first ``k``; like numpy, the median is half the sum of the two middle ones
    (the same one twice when ``k`` is odd), and NaN for a row with none.
    """
    ordered = np.sort(rows, axis=1)
    k = (~np.isnan(rows)).sum(axis=1)
    lo = np.take_along_axis(ordered, np.maximum(k - 1, 0)[:, None] // 2, axis=1)[:, 0]
    hi = np.take_along_axis(ordered, (k // 2)[:, None], axis=1)[:, 0]
    out = (lo + hi) / 2.0
    out[k == 0] = np.nan
    return out


@functools.lru_cache(maxsize=16)
def _lowpass_design(order: int, cutoff: float, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the Butterworth sections and their step-response state, made once per setting."""
    sos = np.asarray(butter(order, cutoff, btype="low", fs=fps, output="sos"))
    return sos, np.asarray(sosfilt_zi(sos))


def filtfilt(sos: np.ndarray, zi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return ``scipy.signal.sosfiltfilt(sos, x)`` (odd padding of the default length).

    The same steps as scipy's, with ``zi = sosfilt_zi(sos)`` given: designing it is most of
    the cost of one call, and :func:`clean_track` filters every coordinate of every landmark
    with the same sections. A test holds it to scipy's result bit for bit.
    """
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * ntaps
    if len(x) <= edge:
        raise ValueError(f"filtfilt: expected more than {edge} samples, got {len(x)}")
    ext = np.concatenate((2 * x[:1] - x[edge:0:-1], x, 2 * x[-1:] - x[-2 : -(edge + 2) : -1]))
    y, _ = sosfilt(sos, ext, zi=zi * ext[:1])
    y, _ = sosfilt(sos, y[::-1], zi=zi * y[-1:])
    return y[::-1][edge:-edge]


def fill_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Return ``x`` with interior NaN runs of at most ``max_gap`` samples linearly filled."""
    out = x.copy()
    good = np.isfinite(x)
    if good.sum() < 2:
        return out
    idx = np.arange(len(x))
    interp = np.interp(idx, idx[good], x[good])
    for a, b in true_runs(~good):
        if a > 0 and b < len(x) and (b - a) <= max_gap:
            out[a:b] = interp[a:b]
    return out


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Return ``x`` zero-phase low-pass filtered, each finite run separately."""
    out = x.copy()
    cutoff = min(cutoff_hz, 0.4 * fps)  # stay clear of Nyquist on 10 fps clips
    sos, zi = _lowpass_design(order, cutoff, fps)
    min_len = 3 * (2 * order + 1)
    for a, b in true_runs(np.isfinite(x)):
        if b - a > min_len:
            out[a:b] = filtfilt(sos, zi, x[a:b])
    return out


def clean_track(track: PoseTrack, settings: Settings) -> PoseTrack:
    """Return a copy of ``track`` gated on visibility, outlier-rejected, gap-filled, filtered."""
    fps = track.fps
    min_vis = settings.get("signals.min_visibility")
    window = max(1, round(settings.get("signals.outlier_window_s") * fps / 2))
    max_gap = max(1, round(settings.get("signals.max_gap_s") * fps))
    cutoff = settings.get("signals.lowpass_hz")
    order = int(settings.get("signals.lowpass_order"))
    n_mads = settings.get("signals.outlier_mads")
    xy = track.image_xy.copy()
    xy[track.visibility < min_vis] = np.nan
    for j in range(xy.shape[1]):
        for c in range(2):
            s = reject_outliers(xy[:, j, c], window, n_mads)
            s = fill_gaps(s, max_gap)
            xy[:, j, c] = lowpass(s, fps, cutoff, order)
    line = (
        f"clean_track: visibility>={min_vis}, Hampel {window * 2 + 1} frames/{n_mads} MAD, "
        f"gaps<={max_gap} frames filled, {min(cutoff, 0.4 * fps):.1f} Hz Butterworth "
        f"order {order} zero-phase"
    )
    return track.with_history(line, image_xy=xy)


def point(track: PoseTrack, name: str) -> np.ndarray:
    """Return the (frames, 2) y-up pixel track of a landmark."""
    return track.xy(name)


def midpoint(track: PoseTrack, a: str, b: str) -> np.ndarray:
    """Return the midpoint of two landmarks, falling back to whichever one is known."""
    pa, pb = track.xy(a), track.xy(b)
    mid = (pa + pb) / 2
    only_a = np.isnan(pb).any(axis=1) & np.isfinite(pa).all(axis=1)
    only_b = np.isnan(pa).any(axis=1) & np.isfinite(pb).all(axis=1)
    mid[only_a] = pa[only_a]
    mid[only_b] = pb[only_b]
    return mid


def interior_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Return the angle a-b-c at ``b`` in degrees, 0..180 (180 = straight line)."""
    u, v = a - b, c - b
    nu, nv = np.linalg.norm(u, axis=1), np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def angle_from_vertical(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Return the angle of the segment lower->upper from vertical-up, 0..180 degrees."""
    d = upper - lower
    return np.degrees(np.arctan2(np.abs(d[:, 0]), d[:, 1]))


def angle_below_horizontal(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Return how far the hip is below the knee as a thigh angle, -90..90 degrees."""
    d = knee - hip
    return np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))


def signed_angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Return the signed angle from ``u`` to ``v`` (counter-clockwise positive), -180..180."""
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    dot = np.sum(u * v, axis=1)
    return np.degrees(np.arctan2(cross, dot))


def side_landmark(side: str, joint: str) -> str:
    """Return the landmark name of ``joint`` on body side ``side`` ("left"/"right")."""
    return f"{side}_{joint}"


def segment_length(track: PoseTrack, a: str, b: str) -> np.ndarray:
    """Return the per-frame pixel distance between two landmarks."""
    return np.linalg.norm(track.xy(a) - track.xy(b), axis=1)


def landmark_visibility(track: PoseTrack, names: list[str]) -> float:
    """Return the mean visibility of the named landmarks over frames with a person."""
    idx = [INDEX[n] for n in names]
    present = track.present
    if not present.any():
        return 0.0
    return float(np.mean(track.visibility[present][:, idx]))
