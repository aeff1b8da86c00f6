"""What the lifter sees: the annotated video, plots, the report page and research exports.

The one entry point is :func:`write_outputs`; the stages are modules named for what they
produce (``annotate`` the video, ``plots``, ``page`` the HTML report, ``export`` the files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from formcheck.report.annotate import still_frames, write_annotated_video
from formcheck.report.export import check_exports, write_exports
from formcheck.report.page import make_still, write_page
from formcheck.report.plots import write_plots
from formcheck.result import Analysis
from formcheck.track import PoseTrack

__all__ = ["write_outputs"]

ANNOTATED_NAME = "annotated.mp4"
REPORT_NAME = "report.html"


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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keep = still_frames(analysis)
    video = write_annotated_video(analysis, track, video_path, out / ANNOTATED_NAME,
                                  progress=progress, keep=keep)
    written: dict[str, Path] = {"video": video.path}
    plots = write_plots(analysis, out)
    for p in plots:
        written[f"plot_{p.name}_png"] = p.png
        written[f"plot_{p.name}_svg"] = p.svg
    stills = {f: make_still(img, track, f) for f, img in video.stills.items()}
    written["report"] = write_page(analysis, stills, plots, out / REPORT_NAME,
                                   video_name=ANNOTATED_NAME)
    written.update(write_exports(analysis, track, out, kinds))
    return written
