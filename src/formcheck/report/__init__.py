"""What the lifter sees: the annotated video, plots, the report page and research exports.

The one entry point is :func:`write_outputs`; the stages are modules named for what they
produce (``annotate`` the video, ``plots``, ``page`` the HTML report, ``export`` the files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from formcheck.errors import AnalysisError
from formcheck.report.annotate import still_frames, write_annotated_video
from formcheck.report.export import check_exports, write_exports
from formcheck.report.page import write_page
from formcheck.report.plots import write_plots
from formcheck.result import Analysis
from formcheck.track import PoseTrack

__all__ = ["check_alignment", "write_outputs"]

ANNOTATED_NAME = "annotated.mp4"
REPORT_NAME = "report.html"


def check_alignment(analysis: Analysis, track: PoseTrack) -> None:
    """Raise AnalysisError, naming every mismatch, unless analysis and track share frames."""
    n = track.n_frames
    problems = [f"series {k!r} has {len(v)} values" for k, v in analysis.series.items()
                if len(v) != n]
    if analysis.times_s is not None and len(analysis.times_s) != n:
        problems.append(f"times_s has {len(analysis.times_s)} values")
    for rep in analysis.reps:
        if not 0 <= rep.start_frame <= rep.bottom_frame <= rep.end_frame < n:
            problems.append(f"rep {rep.index} spans frames {rep.start_frame}-{rep.end_frame}")
        problems += [f"fault {f.id!r} of rep {rep.index} has worst frame {f.worst_frame}"
                     for f in rep.faults if not 0 <= f.worst_frame < n]
    if problems:
        raise AnalysisError(
            f"expected the analysis to cover the pose track's {n} frames, got: "
            + "; ".join(problems)
        )


def write_outputs(analysis: Analysis, track: PoseTrack, video_path: str | Path,
                  out_dir: str | Path, *, exports: Iterable[str] = (),
                  progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Return the files written to ``out_dir``: annotated video, plots, report and exports.

    Parameters
    ----------
    analysis : the analysis of the clip (its per-frame series aligned with ``times_s``).
    track : the pose track the analysis was made from (upright-frame pixels).
    video_path : the source clip; it is decoded again to draw on.
    out_dir : directory for the outputs (created if missing).
    exports : any of ``"mot"``, ``"trc"``, ``"csv"``.
    progress : called as ``progress(frames_done, frames_total)`` while the video renders.

    Returns
    -------
    dict
        ``"video"``, ``"report"``, ``"plot_<name>_png"`` / ``"plot_<name>_svg"`` and one key
        per export file (``"mot"``, ``"trc_px"``, ``"trc_world"``, ``"csv"``).
    """
    kinds = check_exports(exports)  # fail on a bad flag before the slow part
    check_alignment(analysis, track)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keep = still_frames(analysis)
    # The plots are drawn in a thread while the video renders: decoding, resizing and
    # encoding run in native code without the GIL, so matplotlib uses the core they leave.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-plots") as pool:
        plotted = pool.submit(write_plots, analysis, out)
        video = write_annotated_video(analysis, track, video_path, out / ANNOTATED_NAME,
                                      progress=progress, keep=keep)
        plots = plotted.result()
    written: dict[str, Path] = {"video": video.path}
    for p in plots:
        written[f"plot_{p.name}_png"] = p.png
        written[f"plot_{p.name}_svg"] = p.svg
    written["report"] = write_page(analysis, track, video.raw_stills, plots, out / REPORT_NAME,
                                   video_name=ANNOTATED_NAME)
    written.update(write_exports(analysis, track, out, kinds))
    return written
