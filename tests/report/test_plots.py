from __future__ import annotations

import copy

import numpy as np
from matplotlib.lines import Line2D

from formcheck.report.plots import metric_title, plot_rep_metrics, plot_series


def test_plot_files_are_png_and_svg(sample_outputs):
    for name in ("angles", "reps"):
        assert sample_outputs[f"plot_{name}_png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in sample_outputs[f"plot_{name}_svg"].read_bytes()[:2000]


def test_time_plot_draws_thresholds_and_shades_every_rep(sample_case):
    analysis, _ = sample_case
    fig = plot_series(analysis)
    assert fig is not None
    lean_ax = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Trunk lean")
    limit = analysis.settings["thresholds"]["forward_lean"]["value"]
    flat = [ln for ln in lean_ax.get_lines()
            if isinstance(ln, Line2D) and np.allclose(ln.get_ydata(), limit)]
    assert flat, "the forward-lean limit line is missing"
    for ax in fig.axes:
        assert len(ax.patches) == len(analysis.reps)  # one shaded band per rep
    # The knee panel has no threshold of its own in settings: no red line there.
    knee_ax = fig.axes[0]
    assert not [ln for ln in knee_ax.get_lines() if ln.get_linestyle() == "--"]
    # hips_rise_first's limit is a change of lean, not a lean: it must not be drawn as one.
    rise = analysis.settings["thresholds"]["hips_rise_first"]
    assert rise["series"] == "trunk_lean_deg"
    assert not [ln for ln in lean_ax.get_lines() if np.allclose(ln.get_ydata(), rise["value"])]


def test_rep_chart_has_one_bar_per_rep_per_metric(sample_case):
    analysis, _ = sample_case
    fig = plot_rep_metrics(analysis)
    assert fig is not None
    titled = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert {ax.get_title(loc="left") for ax in titled} >= {"depth thigh", "trunk lean max",
                                                           "descent", "ascent"}
    for ax in titled:
        assert len(ax.patches) == len(analysis.reps)


def test_no_reps_means_no_rep_chart(sample_case):
    analysis, _ = sample_case
    empty = copy.deepcopy(analysis)
    empty.reps = []
    assert plot_rep_metrics(empty) is None
    assert plot_series(empty) is not None


def test_metric_titles_drop_the_unit():
    assert metric_title("descent_s") == "descent"
    assert metric_title("max_trunk_lean_deg") == "max trunk lean"
    assert metric_title("depth") == "depth"


def _label_boxes(fig):
    """Return (axes, name, bbox) of every title, axis label and tick label, in pixels."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        texts = [("title", ax.title), ("title", ax._left_title), ("ylabel", ax.yaxis.label),
                 ("xlabel", ax.xaxis.label)]
        for name, axis in (("xtick", ax.xaxis), ("ytick", ax.yaxis)):
            lo, hi = sorted(axis.get_view_interval())
            # Ticks outside the view are laid out but never drawn.
            texts += [(name, t.label1) for t in axis.get_major_ticks()
                      if lo <= t.get_loc() <= hi]
        for name, text in texts:
            if text.get_visible() and text.get_text():
                yield ax, name, text.get_window_extent(renderer)


def test_fixed_layout_keeps_every_label_inside_the_figure_and_off_other_panels(sample_case):
    # The margins are fixed in ems instead of measured by a layout engine: each label must
    # still fit on the figure, at the wide and the phone size, and not run into a panel.
    analysis, _ = sample_case
    import matplotlib.pyplot as plt

    for draw in (plot_series, plot_rep_metrics):
        for narrow in (False, True):
            with plt.rc_context({"font.size": 12 if narrow else 10}):
                fig = draw(analysis, narrow=narrow)
                assert fig is not None
                page = fig.bbox
                boxes = list(_label_boxes(fig))
                assert boxes
                for ax, name, box in boxes:
                    assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, (draw, narrow, name)
                    assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, (draw, narrow, name)
                    for other in fig.axes:
                        if other is not ax and other.axison:
                            assert not box.overlaps(other.bbox), (draw.__name__, narrow, name)
                plt.close(fig)
