"""Rendering cost next to pose inference, measured in one run on the same clip.

Stages timed on one clip (default: the bundled sample), each once, in this order:
  decode   - formcheck.capture.video.iter_frames at full size (the floor any pass pays)
  pose     - formcheck.capture.pose.estimate_track, BlazePose on every frame, cache off
  analysis - formcheck.pipeline.analyze_track on that track
  video    - the annotated video (decode, resize to at most 720p, draw, H.264 encode)
  page     - plots, stills and the HTML report
  exports  - .mot, .trc and tidy CSV
and then all of them as ``--out`` runs them (formcheck.report.write_outputs: the plots are
drawn in a thread beside the video), whose total is the report's cost over the pose pass.
The headline is video ms/frame over pose ms/frame (and all rendering over pose). The
baseline is pose inference because it is what every analysis pays anyway.

A second table times the picture conversions the video pays per frame on the clip's first
60 decoded frames (CPU ms, best of 5): swscale's RGB conversion at the source size and with
scaling to the drawing size in the same step, OpenCV's resize to the drawing size, and
OpenCV's RGB -> I420 for the encoder, and what the video uses: swscale scaling the 4:2:0
planes, then OpenCV's I420 -> RGB (:func:`formcheck.capture.video.scaled_rgb`).

Run: .venv/bin/python benchmarks/bench_render.py [CLIP] [--lift squat]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
from rich.console import Console
from rich.table import Table

from formcheck.capture.pose import estimate_track
from formcheck.capture.video import iter_frames, scaled_rgb
from formcheck.pipeline import analyze_track
from formcheck.report import write_outputs
from formcheck.report.annotate import still_frames, write_annotated_video
from formcheck.report.export import write_exports
from formcheck.report.frames import drawing_side
from formcheck.report.page import write_page
from formcheck.report.plots import write_plots

REPO = Path(__file__).resolve().parents[1]


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _best_ms(fn: Callable[[object], object], items: list, reps: int = 5) -> float:
    """Return the least CPU ms per item of ``fn`` over ``items`` in ``reps`` runs."""
    best = float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - t0)
    return 1000 * best / max(1, len(items))


def conversion_costs(clip: Path, n: int = 60) -> dict[str, float]:
    """Return CPU ms per frame of each picture conversion the annotated video could use."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = []
        for frame in container.decode(stream):
            frames.append(frame)
            if len(frames) == n:
                break
    w, h = frames[0].width, frames[0].height
    side = drawing_side(w, h)
    scale = min(1.0, side / max(w, h))
    dw, dh = max(2, round(w * scale)), max(2, round(h * scale))
    full = [f.to_ndarray(format="rgb24") for f in frames]
    small = [cv2.resize(a, (dw, dh), interpolation=cv2.INTER_LINEAR) for a in full]
    costs = {f"swscale rgb24 at {w}x{h}": _best_ms(lambda f: f.to_ndarray(format="rgb24"), frames)}
    if (dw, dh) != (w, h):  # drawn smaller than the source: the two ways to get there
        costs[f"swscale scale+rgb24 to {dw}x{dh}"] = _best_ms(
            lambda f: f.reformat(
                width=dw, height=dh, format="rgb24", interpolation="BILINEAR"
            ).to_ndarray(),
            frames,
        )
        costs[f"cv2.resize linear to {dw}x{dh}"] = _best_ms(
            lambda a: cv2.resize(a, (dw, dh), interpolation=cv2.INTER_LINEAR), full
        )
        costs[f"scaled_rgb (swscale 4:2:0 scale + cv2 I420->RGB) to {dw}x{dh}"] = _best_ms(
            lambda f: scaled_rgb(f, (dw, dh)), frames
        )
    costs[f"cv2 RGB->I420 at {dw}x{dh}"] = _best_ms(
        lambda a: cv2.cvtColor(a, cv2.COLOR_RGB2YUV_I420), small
    )
    return costs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sample = REPO / "samples" / "side_bodyweight_squat_2reps.mp4"
    ap.add_argument("clip", nargs="?", default=str(sample))
    ap.add_argument("--lift", default="squat")
    args = ap.parse_args()
    clip = Path(args.clip)
    console = Console()
    times: dict[str, float] = {}
    n, times["decode"] = _timed(lambda: sum(1 for _ in iter_frames(clip, max_side=1 << 15)))
    (info, track, _), times["pose"] = _timed(lambda: estimate_track(clip, use_cache=False))
    analysis, times["analysis"] = _timed(lambda: analyze_track(track, info, lift=args.lift))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        video, times["video"] = _timed(
            lambda: write_annotated_video(
                analysis, track, clip, out / "annotated.mp4", keep=still_frames(analysis)
            )
        )

        def page() -> None:
            plots = write_plots(analysis, out)
            write_page(analysis, track, video.raw_stills, plots, out / "report.html")

        _, times["page"] = _timed(page)
        _, times["exports"] = _timed(
            lambda: write_exports(analysis, track, out, ("mot", "trc", "csv"))
        )
        # What --out runs: the same stages, with the plots drawn beside the video.
        _, outputs_s = _timed(
            lambda: write_outputs(analysis, track, clip, out / "all", exports=("mot", "trc", "csv"))
        )

    table = Table(
        title=f"{clip.name}: {n} frames, {info.width}x{info.height}, "
        f"{len(analysis.reps)} reps, {len(analysis.faults)} faults"
    )
    for col in ("stage", "total s", "ms/frame", "x pose"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for stage, s in times.items():
        table.add_row(stage, f"{s:.2f}", f"{1000 * s / n:.1f}", f"{s / times['pose']:.3f}")
    render = times["video"] + times["page"]
    table.add_row(
        "render (video+page)",
        f"{render:.2f}",
        f"{1000 * render / n:.1f}",
        f"{render / times['pose']:.3f}",
    )
    table.add_row(
        "write_outputs (overlapped)",
        f"{outputs_s:.2f}",
        f"{1000 * outputs_s / n:.1f}",
        f"{outputs_s / times['pose']:.3f}",
    )
    console.print(table)
    console.print(
        f"annotated video: {1000 * times['video'] / n:.1f} ms/frame vs BlazePose "
        f"{1000 * times['pose'] / n:.1f} ms/frame -> ratio "
        f"{times['video'] / times['pose']:.2f}; of which decode alone "
        f"{1000 * times['decode'] / n:.1f} ms/frame"
    )
    conv = Table(title="picture conversions, CPU ms per frame (best of 5, first 60 frames)")
    conv.add_column("conversion")
    conv.add_column("ms/frame", justify="right")
    for name, ms in conversion_costs(clip).items():
        conv.add_row(name, f"{ms:.2f}")
    console.print(conv)


if __name__ == "__main__":
    main()
