"""Plots of the set: joint angles and hip height over time, and key metrics rep by rep."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from formcheck.result import Analysis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Panels of the time plot: (title, unit label, [(series key, legend label)]).
_PANELS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Knee and hip angle", "deg (180 = straight)", (("knee_deg", "knee"), ("hip_deg", "hip"))),
    ("Thigh angle (depth)", "deg below horizontal", (("thigh_deg", "thigh (0 = parallel)"),)),
    ("Trunk lean", "deg from vertical", (("trunk_lean_deg", "trunk lean"),)),
    ("Hip height", "leg lengths above ankle", (("hip_height", "hip height"),)),
)
# Per-rep metrics worth a panel, by words in their key, most telling first: depth, lean,
# velocity and tempo are where fatigue shows across a set.
_METRIC_ORDER = tuple(re.compile(p) for p in (
    r"^depth_thigh", r"lean_max", r"velocity", r"^descent", r"^ascent", r"tempo", r"^pause",
    r"^duration", r"^depth$"))
_MAX_METRIC_PANELS = 6
# Threshold units that are changes from a baseline, not levels of the plotted series: a line
# at their value on the series' axis would mislead, so they are not drawn.
_RELATIVE_WORDS = ("from standing", "extra", "change", "beyond", "above standing")
REP_SHADE = "#9ecae1"
FAULT_RED = "#d62728"


@dataclass
class Plot:
    """One plot written as PNG and SVG, with the PNG bytes kept for the report page."""

    name: str
    png: Path
    svg: Path
    png_bytes: bytes
    narrow_png_bytes: bytes | None = None  # a taller, larger-type version for phone screens


def _pyplot() -> ModuleType:
    """Return matplotlib's pyplot on the Agg backend (no display: plots are files).

    Imported on first use, not with this module: the report page needs only the metric
    names from here, and the import (about half a second) then runs in the thread that
    draws the plots beside the video rather than before it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(analysis: Analysis, out_dir: str | Path) -> list[Plot]:
    """Return the plots of ``analysis`` written to ``out_dir`` (time series, per-rep metrics)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    plots = []
    for name, draw in (("angles", plot_series), ("reps", plot_rep_metrics)):
        fig = draw(analysis)
        if fig is None:
            continue
        plot = _save(fig, out, name)
        with plt.rc_context({"font.size": 12}):
            narrow = draw(analysis, narrow=True)
        if narrow is not None:
            plot.narrow_png_bytes = _png(narrow)
            plt.close(narrow)
        plots.append(plot)
    return plots


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, metadata={"Software": None})
    return buf.getvalue()


def _save(fig: Figure, out: Path, name: str) -> Plot:
    png, svg = out / f"{name}.png", out / f"{name}.svg"
    data = _png(fig)
    png.write_bytes(data)
    fig.savefig(svg, format="svg", metadata={"Date": None})
    _pyplot().close(fig)
    return Plot(name=name, png=png, svg=svg, png_bytes=data)


def _fixed_layout(fig: Figure, rows: int, cols: int, *, left: float, right: float, top: float,
                  bottom: float, wgap: float, hgap: float) -> None:
    """Place a ``rows`` x ``cols`` grid of axes with margins and gaps given in ems.

    Notes
    -----
    A layout engine (constrained layout) measured every label on every draw and was half
    of the plots' CPU time (``benchmarks/bench_render.py``); the labels here are known, so
    the margins are fixed in units of the font size, which keeps them right at the larger
    type of the phone version too.
    """
    em = _pyplot().rcParams["font.size"] / 72  # inches
    w, h = fig.get_size_inches()
    axes_w = (w - (left + right + wgap * (cols - 1)) * em) / cols
    axes_h = (h - (top + bottom + hgap * (rows - 1)) * em) / rows
    fig.subplots_adjust(left=left * em / w, right=1 - right * em / w, top=1 - top * em / h,
                        bottom=bottom * em / h, wspace=wgap * em / axes_w,
                        hspace=hgap * em / axes_h)


def plot_series(analysis: Analysis, narrow: bool = False) -> Figure | None:
    """Return the time plot: angles and hip height, reps shaded, fault thresholds drawn.

    ``narrow`` lays it out for a phone held upright (narrower, taller panels).
    """
    if analysis.times_s is None or not analysis.series:
        return None
    t = np.asarray(analysis.times_s, float)
    panels = [p for p in _PANELS if any(k in analysis.series for k, _ in p[2])]
    if not panels:
        return None
    size = (4.6, 2.6 * len(panels) + 0.6) if narrow else (9, 2.3 * len(panels) + 0.6)
    fig, axes = _pyplot().subplots(len(panels), 1, figsize=size, sharex=True, squeeze=False)
    # Margins in ems: tick labels and the unit label on the left, a panel title above each
    # panel, the time axis label below.
    _fixed_layout(fig, len(panels), 1, left=6.0, right=0.8, top=2.0, bottom=3.4, wgap=0.0,
                  hgap=2.2)
    axes = axes[:, 0]
    for ax, (title, unit, keys) in zip(axes, panels, strict=True):
        for key, label in keys:
            if key in analysis.series:
                ax.plot(t, analysis.series[key], lw=1.6, label=label)
        _shade_reps(ax, analysis)
        _draw_thresholds(ax, analysis, [k for k, _ in keys])
        _mark_worst(ax, analysis, t, [k for k, _ in keys])
        ax.set_title(title, loc="left", fontsize="medium")
        ax.set_ylabel(unit, fontsize="small")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize="small", framealpha=0.8)
    axes[-1].set_xlabel("time in the clip (s)")
    return fig


def _shade_reps(ax: Axes, analysis: Analysis) -> None:
    for rep in analysis.reps:
        ax.axvspan(rep.start_s, rep.end_s, color=REP_SHADE, alpha=0.35, lw=0)
        ax.text((rep.start_s + rep.end_s) / 2, 1.0, f"rep {rep.index}",
                transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize="x-small", color="#08519c")


def _draw_thresholds(ax: Axes, analysis: Analysis, keys: list[str]) -> None:
    thresholds = analysis.settings.get("thresholds", {}) or {}
    for fault_id, spec in thresholds.items():
        if not isinstance(spec, dict) or spec.get("series") not in keys:
            continue
        value, unit = spec.get("value"), str(spec.get("unit", ""))
        if value is None or any(w in unit for w in _RELATIVE_WORDS):
            continue
        ax.axhline(float(value), color=FAULT_RED, ls="--", lw=1)
        label = f"{fault_id.replace('_', ' ')} limit {value:g} {unit.split(' ')[0]}"
        ax.text(0.995, float(value), label,
                transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize="x-small",
                color=FAULT_RED)


def _mark_worst(ax: Axes, analysis: Analysis, t: np.ndarray, keys: list[str]) -> None:
    thresholds = analysis.settings.get("thresholds", {}) or {}
    for fault in analysis.faults:
        key = (thresholds.get(fault.id) or {}).get("series")
        if key in keys and 0 <= fault.worst_frame < len(t):
            y = analysis.series[key][fault.worst_frame]
            if np.isfinite(y):
                ax.plot(t[fault.worst_frame], y, "o", color=FAULT_RED, ms=6)


def primary_metric_keys(analysis: Analysis) -> list[str]:
    """Return the per-rep metric keys worth showing first (depth, lean, velocity, tempo)."""
    numeric: dict[str, int] = {}
    for rep in analysis.reps:
        for key, m in rep.metrics.items():
            is_number = isinstance(m.value, int | float) and not isinstance(m.value, bool)
            if is_number and m.unit != "bool":
                rank = next((n for n, w in enumerate(_METRIC_ORDER) if w.search(key)), None)
                if rank is not None:
                    numeric[key] = rank
    return sorted(numeric, key=lambda k: (numeric[k], k))[:_MAX_METRIC_PANELS]


def metric_title(key: str) -> str:
    """Return a metric key as words, its unit suffix dropped (``descent_s`` -> ``descent``)."""
    words = key.split("_")
    if len(words) > 1 and words[-1] in ("deg", "s", "ms", "px", "mps", "frac", "fraction"):
        words = words[:-1]
    return " ".join(words)


def plot_rep_metrics(analysis: Analysis, narrow: bool = False) -> Figure | None:
    """Return the per-rep chart of the key metrics (one panel each), or None without reps."""
    keys = primary_metric_keys(analysis)
    if not analysis.reps or not keys:
        return None
    cols = min(2 if narrow else 3, len(keys))
    rows = -(-len(keys) // cols)
    width = 2.3 if narrow else 3.2
    fig, axes = _pyplot().subplots(rows, cols, figsize=(width * cols, 2.4 * rows + 0.4),
                                   squeeze=False)
    # The suptitle takes two lines on a narrow figure; each panel has a title above and the
    # "rep" axis label below, and unit labels and tick labels on its left.
    _fixed_layout(fig, rows, cols, left=5.0, right=0.8, top=5.2 if narrow else 3.6,
                  bottom=3.4, wgap=4.8, hgap=4.8)
    idx = [r.index for r in analysis.reps]
    for ax, key in zip(axes.flat, keys, strict=False):
        values, unit = [], ""
        for rep in analysis.reps:
            m = rep.metrics.get(key)
            ok = m is not None and isinstance(m.value, int | float) and m.value is not None
            values.append(float(m.value) if ok and m is not None else np.nan)  # type: ignore[arg-type]
            unit = m.unit if m is not None else unit
        ax.bar(idx, values, color="#6baed6", edgecolor="#2171b5")
        ax.set_title(metric_title(key), fontsize="medium", loc="left")
        ax.set_ylabel(unit, fontsize="small")
        ax.set_xticks(idx, [str(i) for i in idx])
        ax.set_xlabel("rep", fontsize="small")
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    title = ("Rep by rep:\na drift across the set shows fatigue" if narrow
             else "Rep by rep: a steady drift across the set shows fatigue")
    fig.suptitle(title, fontsize="medium", x=0.01, y=0.995, ha="left", va="top")
    return fig
