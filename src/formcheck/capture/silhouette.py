"""Back profile: how far the person-segmentation silhouette reaches either side of the trunk.

The definition is the one documented in :mod:`formcheck.track` (``back_profile``): for ``K``
evenly spaced points from the hip midpoint (k=0) to the shoulder midpoint (k=K-1), walk along
the normal of the hip->shoulder line one pixel at a time and return the distance to the first
pixel outside the silhouette. Side 0 walks along ``(-u_y, u_x)`` (``u`` = shoulder - hip in
image pixels, y down), side 1 along the opposite normal.

Notes
-----
- The walk covers ``int(0.8 * L)`` steps (``L`` = trunk length in pixels); a side whose edge is
  beyond that reads as the last step (``int(0.8 * L) - 1``).
- A side whose first three steps are all outside the silhouette gives NaN (the line itself
  is not on the person, so there is no edge to measure).
- A trunk shorter than 5 pixels, or a non-finite landmark, gives NaN everywhere.
- Sample positions are rounded half-to-even (``numpy.round``); pixels outside the image count
  as outside the silhouette.
"""

from __future__ import annotations

import numpy as np

PROFILE_POINTS = 11
MASK_THRESHOLD = 0.5  # segmentation probability above which a pixel is "person"
REACH = 0.8  # walk length as a fraction of the trunk length
MIN_TRUNK_PX = 5.0
_START_STEPS = 3


def measure_back_profile(
    mask: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, points: int = PROFILE_POINTS
) -> np.ndarray:
    """Return the (2, points) silhouette distances in mask pixels either side of the trunk.

    Parameters
    ----------
    mask : ndarray, shape (h, w)
        Person-segmentation probabilities (BlazePose's ``segmentation_mask``).
    hip, shoulder : ndarray, shape (2,)
        Hip and shoulder midpoints in the mask's pixel coordinates (x right, y down).
    points : int
        Number of sample points ``K`` along the trunk, hip first.

    Returns
    -------
    ndarray, shape (2, points)
        Distances in pixels; NaN where there is nothing to measure (see module notes).
    """
    out = np.full((2, points), np.nan)
    u = np.asarray(shoulder, dtype=np.float64) - np.asarray(hip, dtype=np.float64)
    length = float(np.hypot(u[0], u[1]))
    if not np.isfinite(length) or length < MIN_TRUNK_PX:
        return out
    normal = np.array([-u[1], u[0]]) / length
    steps = np.arange(int(length * REACH), dtype=np.float64)
    fractions = np.arange(points, dtype=np.float64) / (points - 1)
    centres = np.asarray(hip, dtype=np.float64) + fractions[:, None] * u  # (K, 2)
    signs = np.array([1.0, -1.0])
    # (side, k, step, xy): every pixel visited by every walk, gathered in one lookup.
    pts = (
        centres[None, :, None, :]
        + signs[:, None, None, None] * normal[None, None, None, :] * steps[None, None, :, None]
    )
    xi = np.round(pts[..., 0]).astype(np.int64)
    yi = np.round(pts[..., 1]).astype(np.int64)
    h, w = mask.shape
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    inside = np.zeros(xi.shape, dtype=bool)
    inside[ok] = mask[yi[ok], xi[ok]] > MASK_THRESHOLD
    started = inside[..., :_START_STEPS].any(axis=-1)
    outside = ~inside
    first_out = np.argmax(outside, axis=-1).astype(np.float64)
    dist = np.where(outside.any(axis=-1), first_out, steps[-1])
    return np.where(started, dist, np.nan)
