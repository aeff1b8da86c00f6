"""NaN-safe reductions shared by the measuring stages.

A landmark hidden for a whole window leaves only NaN; these return ``None`` (or an empty
list) there instead of warning, so a metric reads "not measured" rather than a number.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nan_max", "nan_min", "round_or_none", "true_runs"]


def nan_max(x: np.ndarray) -> float | None:
    """Return the largest finite value of ``x``, or None when it has none."""
    return float(np.nanmax(x)) if np.isfinite(x).any() else None


def nan_min(x: np.ndarray) -> float | None:
    """Return the smallest finite value of ``x``, or None when it has none."""
    return float(np.nanmin(x)) if np.isfinite(x).any() else None


def round_or_none(x: float | None, nd: int = 1) -> float | None:
    """Return ``x`` rounded to ``nd`` places, or None when it is None or not finite."""
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return the ``[start, stop)`` index pairs of the True runs of a boolean array."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
