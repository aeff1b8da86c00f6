"""The annotated video: the lifter's own set with the overlay drawn on, as browser-safe H.264.

Notes
-----
Three stages overlap, each in its own thread: decoding (FFmpeg and swscale release the
GIL), drawing and colour conversion (OpenCV releases it too) and H.264 encoding (x264 runs
its own threads). The video is at most 720p (:func:`formcheck.report.frames.drawing_side`);
the report's stills stay at the source size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.capture.pose_pass import prefetched
from formcheck.errors import InputFileError
from formcheck.report.frames import SourceFrame, drawing_side, iter_upright_frames, probe_stream
from formcheck.report.overlay import OverlayPlan, draw_frame, plan_overlay, scale_plan
from formcheck.result import Analysis
from formcheck.track import PoseTrack

Progress = Callable[[int, int], None]

# x264 settings: "ultrafast" takes about a third of the CPU of "veryfast" per 1080p frame
# (benchmarks/bench_render.py) at the same CRF; the price is a larger file (about 3x), not a
# worse picture. CRF 23 is x264's default quality; yuv420p + high profile is what every
# browser and phone decodes. One encoder thread: the encoder already runs beside decoding
# and drawing, and x264's frame threads cost CPU to coordinate (720p: 5.8-6.1 ms a frame
# with one thread, 6.8-7.0 with its default, same file size, shared 2-core machine).
ENCODER_OPTIONS = {"crf": "23", "preset": "ultrafast", "profile": "high", "threads": "1"}
#: Frames each stage may run ahead of the next (decoded -> drawn -> encoded).
QUEUE_FRAMES = 4
_POLL_S = 0.1


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
    side = drawing_side(track.width, track.height)
    plan = plan_overlay(analysis, track)
    wanted = set(keep)
    result = AnnotatedVideo(path=Path(out_path), frames=0)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.stem + ".partial.mp4")
    try:
        with av.open(str(tmp), "w", format="mp4",
                     container_options={"movflags": "+faststart"}) as out:
            encoder: _Encoder | None = None
            try:
                decoded = iter_upright_frames(video_path, src, side, keep=wanted)
                for frame in prefetched(decoded, QUEUE_FRAMES):
                    if encoder is None:  # the first frame says the drawn size
                        plan = scale_plan(plan, frame.image.shape[1] / track.width)
                        encoder = _Encoder(out, _add_stream(out, frame, src.average_rate))
                    _draw(encoder, plan, frame, result)
                    result.frames += 1
                    if progress is not None:
                        progress(result.frames, max(total, result.frames))
            except BaseException:
                if encoder is not None:
                    encoder.abort()
                raise
            if encoder is not None:
                encoder.finish()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out_path)
    return result


class _Encoder:
    """Encodes and muxes the drawn frames in a thread, ``QUEUE_FRAMES`` behind the drawing."""

    def __init__(self, out: av.container.OutputContainer, stream: av.VideoStream) -> None:
        self.out, self.stream = out, stream
        self.error: BaseException | None = None
        self.last_pts = -1  # of the last frame queued
        self._box: queue.Queue[av.VideoFrame | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-encode", daemon=True)
        self._thread.start()

    def put(self, frame: av.VideoFrame) -> None:
        """Queue ``frame`` for encoding; raise the encoder's error if it has failed."""
        while True:
            if self.error is not None:
                raise self.error
            try:
                self._box.put(frame, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Flush the encoder, wait for it, and raise its error if it failed."""
        self._stop()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop the encoder without flushing (the drawing side failed or was interrupted)."""
        self._abort.set()
        self._stop()

    def _stop(self) -> None:
        while self._thread.is_alive():
            try:
                self._box.put(None, timeout=_POLL_S)
                break
            except queue.Full:
                continue
        self._thread.join()

    def _run(self) -> None:
        try:
            while (frame := self._box.get()) is not None:
                if self._abort.is_set():
                    continue  # drain: the drawing side has stopped
                for packet in self.stream.encode(frame):
                    self.out.mux(packet)
            if not self._abort.is_set():
                for packet in self.stream.encode(None):
                    self.out.mux(packet)
        except BaseException as exc:  # raised in the drawing thread, where it belongs
            self.error = exc


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


def _draw(encoder: _Encoder, plan: OverlayPlan, frame: SourceFrame,
          result: AnnotatedVideo) -> None:
    if frame.full is not None:  # a still: the source pixels, before anything is drawn
        drawn_on_it = frame.full is frame.image
        result.raw_stills[frame.index] = frame.full.copy() if drawn_on_it else frame.full
    image = draw_frame(frame.image, plan, frame.index)
    stream = encoder.stream
    image = np.ascontiguousarray(image[: stream.height, : stream.width])
    # OpenCV's SIMD RGB->I420 (BT.601, limited range, as swscale and x264 assume) is about
    # four times faster than swscale here, and colour conversion was a fifth of the cost.
    i420: np.ndarray = np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8)
    vf = av.VideoFrame.from_ndarray(i420, format="yuv420p")
    # Keep the source timing; a repeated pts (broken muxers) moves one tick on,
    # because the encoder refuses non-increasing timestamps.
    vf.pts = encoder.last_pts = max(frame.pts, encoder.last_pts + 1)
    vf.time_base = frame.time_base
    encoder.put(vf)


def _check_readable(path: str | Path) -> None:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"expected an existing video file, got {str(p)!r} (not found)")
