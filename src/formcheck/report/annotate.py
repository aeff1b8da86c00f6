"""The annotated video: the lifter's own set with the overlay drawn on, as browser-safe H.264."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.errors import InputFileError
from formcheck.report.frames import SourceFrame, iter_upright_frames, probe_stream
from formcheck.report.overlay import OverlayPlan, draw_frame, plan_overlay
from formcheck.result import Analysis
from formcheck.track import PoseTrack

Progress = Callable[[int, int], None]

# x264 settings: "veryfast" keeps encoding well under pose-inference cost; CRF 23 is x264's
# default quality; yuv420p + high profile is what every browser and phone decodes.
ENCODER_OPTIONS = {"crf": "23", "preset": "veryfast", "profile": "high"}


@dataclass
class AnnotatedVideo:
    """Where the annotated video went, and the frames kept for the report's stills."""

    path: Path
    frames: int
    raw_stills: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> source RGB


def still_frames(analysis: Analysis) -> set[int]:
    """Return the frames the report shows as stills: each fault's worst and each rep's bottom."""
    frames = {f.worst_frame for f in analysis.faults}
    frames.update(r.bottom_frame for r in analysis.reps)
    return frames


def write_annotated_video(analysis: Analysis, track: PoseTrack, video_path: str | Path,
                          out_path: str | Path, *, progress: Progress | None = None,
                          keep: Iterable[int] = ()) -> AnnotatedVideo:
    """Return the annotated video written to ``out_path``, with the stills asked for in ``keep``.

    The output keeps the source's frame count and presentation timestamps (so variable
    frame rate clips keep their timing), is drawn on the upright picture (no rotation flag),
    and has its index at the front so it starts playing before it has fully downloaded.
    """
    _check_readable(video_path)
    src = probe_stream(video_path)
    total = src.frames or track.n_frames
    plan = plan_overlay(analysis, track)
    wanted = set(keep)
    result = AnnotatedVideo(path=Path(out_path), frames=0)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.stem + ".partial.mp4")
    with av.open(str(tmp), "w", format="mp4",
                 container_options={"movflags": "+faststart"}) as out:
        stream = None
        last_pts = -1
        for frame in iter_upright_frames(video_path, src):
            if stream is None:
                stream = _add_stream(out, frame, src.average_rate)
            last_pts = _encode(out, stream, plan, frame, last_pts, result, wanted)
            result.frames += 1
            if progress is not None:
                progress(result.frames, max(total, result.frames))
        if stream is not None:
            for packet in stream.encode(None):
                out.mux(packet)
    tmp.replace(out_path)
    return result


def _add_stream(out: av.container.OutputContainer, first: SourceFrame,
                rate: Fraction) -> av.VideoStream:
    stream = out.add_stream("libx264", rate=rate, options=dict(ENCODER_OPTIONS))
    h, w = first.image.shape[:2]
    stream.width, stream.height = w - w % 2, h - h % 2  # 4:2:0 needs even sizes
    stream.pix_fmt = "yuv420p"
    # The source time base, so source timestamps carry over unchanged.
    stream.time_base = first.time_base
    stream.codec_context.time_base = first.time_base
    return stream


def _encode(out: av.container.OutputContainer, stream: av.VideoStream, plan: OverlayPlan,
            frame: SourceFrame, last_pts: int, result: AnnotatedVideo, wanted: set[int]) -> int:
    if frame.index in wanted:
        result.raw_stills[frame.index] = frame.image.copy()
    image = draw_frame(frame.image, plan, frame.index)
    image = np.ascontiguousarray(image[: stream.height, : stream.width])
    # OpenCV's SIMD RGB->I420 (BT.601, limited range, as swscale and x264 assume) is about
    # four times faster than swscale here, and colour conversion was a fifth of the cost.
    i420: np.ndarray = np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8)
    vf = av.VideoFrame.from_ndarray(i420, format="yuv420p")
    # Keep the source timing; a repeated pts (broken muxers) moves one tick on,
    # because the encoder refuses non-increasing timestamps.
    pts = max(frame.pts, last_pts + 1)
    vf.pts = pts
    vf.time_base = frame.time_base
    for packet in stream.encode(vf):
        out.mux(packet)
    return pts


def _check_readable(path: str | Path) -> None:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"expected an existing video file, got {str(p)!r} (not found)")
