"""The fast signal kernels of ``clean_track`` give numpy's and scipy's results bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.signal import sosfiltfilt

from formcheck.analysis.signals import _lowpass_design, _row_nanmedian, clean_track, filtfilt
from formcheck.config import load_settings
from tests.conftest import load_fixture_track


@pytest.mark.parametrize("width", [1, 2, 3, 7, 19, 20])
@pytest.mark.parametrize("missing", [0.0, 0.05, 0.5, 0.97])
def test_row_median_is_nanmedian_bit_for_bit(width: int, missing: float) -> None:
    rng = np.random.default_rng(width)
    rows = rng.normal(size=(2000, width)) * rng.choice([1e-3, 1.0, 1e3], size=(2000, 1))
    rows[rng.random(rows.shape) < missing] = np.nan
    rows[5] = np.nan  # a window with nothing in it
    rows[6, 0] = np.inf  # numpy counts infinities as values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(rows, axis=1)
    assert _row_nanmedian(rows).tobytes() == expected.tobytes()


@pytest.mark.parametrize("order", [2, 4, 6])
@pytest.mark.parametrize("fps", [10.0, 29.97, 30.0, 60.0, 240.0])
def test_filtfilt_is_scipys_sosfiltfilt_bit_for_bit(order: int, fps: float) -> None:
    sos, zi = _lowpass_design(order, min(6.0, 0.4 * fps), fps)
    rng = np.random.default_rng(order)
    for n in (3 * (2 * order + 1) + 1, 64, 613):
        x = np.cumsum(rng.normal(size=n)) * 300
        assert filtfilt(sos, zi, x).tobytes() == sosfiltfilt(sos, x).tobytes()
    with pytest.raises(ValueError, match="more than"):  # scipy's padding needs more
        filtfilt(sos, zi, np.zeros(3 * (2 * len(sos) + 1)))


def test_a_cleaned_real_track_is_what_the_scipy_kernels_give() -> None:
    # The whole of clean_track on a real track, against the same steps done with numpy's
    # nanmedian and scipy's sosfiltfilt (the kernels the fast ones replace).
    track = load_fixture_track("side_bodyweight_squat_2reps")
    settings = load_settings()
    got = clean_track(track, settings).image_xy
    fps = track.fps
    window = max(1, round(settings.get("signals.outlier_window_s") * fps / 2))
    n_mads = settings.get("signals.outlier_mads")
    cutoff = min(settings.get("signals.lowpass_hz"), 0.4 * fps)
    sos, _ = _lowpass_design(int(settings.get("signals.lowpass_order")), cutoff, fps)
    xy = track.image_xy.copy()
    xy[track.visibility < settings.get("signals.min_visibility")] = np.nan
    series = xy[:, 11, 1]  # the left shoulder's height, one of the 66 series
    pad = np.pad(series, window, mode="edge")
    stacked = np.lib.stride_tricks.sliding_window_view(pad, 2 * window + 1)[: len(series)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(stacked, axis=1)
        mad = np.nanmedian(np.abs(stacked - med[:, None]), axis=1)
    kept = series.copy()
    kept[np.abs(series - med) > n_mads * np.maximum(1.4826 * mad, 1.0)] = np.nan
    finite = np.isfinite(kept)
    assert finite.all(), "this fixture's shoulder is seen throughout"
    assert got[:, 11, 1].tobytes() == sosfiltfilt(sos, kept).tobytes()
