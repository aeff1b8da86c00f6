"""Source frames for drawing: formcheck's reader at full size, with their presentation stamps.

Notes
-----
:func:`formcheck.capture.video.iter_frames` turns frames upright (display matrix applied) and gives
each one its time from the first frame. The encoder wants integer timestamps in the source
time base, so they are recovered as ``first_pts + round(time_s / time_base)``: exact for any
real clip (a double holds a pts to well under one tick for hours of video).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck.capture.video import FrameStream, scaled_rgb
from formcheck.errors import NotAVideoError

NO_DOWNSCALE = 1 << 15  # px: a long side no phone records, so frames keep their full size
#: The annotated video is at most 720p (long side 1280, short side 720): larger sources
#: (1080p and 4K phones) are drawn smaller. A phone shows a landscape video about 1080 px
#: wide, where 720p with the overlay drawn at that size is sharp; 1080p costs 2.25 times
#: the pixels to scale, draw and encode (issue 13: the video must cost at most a quarter of
#: the pose pass), and 4K would cost nine times.
MAX_LONG_SIDE = 1280
MAX_SHORT_SIDE = 720


@dataclass
class SourceFrame:
    """One decoded frame, upright, with the timing the encoder must keep."""

    index: int
    pts: int
    time_base: Fraction
    image: np.ndarray  # (h, w, 3) uint8 RGB, upright, at the drawing size
    full: np.ndarray | None = None  # the same picture at the source size, for stills


@dataclass
class SourceStream:
    """Facts about the source video stream that the annotated copy must repeat."""

    time_base: Fraction
    average_rate: Fraction
    first_pts: int
    frames: int  # container's count; 0 when the container does not say


def probe_stream(path: str | Path) -> SourceStream:
    """Return the time base, average rate, first timestamp and frame count of the video."""
    p = Path(path)
    try:
        container = av.open(str(p))
    except (av.error.FFmpegError, OSError) as exc:
        raise NotAVideoError(f"{p}: expected a video file, could not open it: {exc}") from exc
    with container:
        if not container.streams.video:
            raise NotAVideoError(f"{p}: expected a video stream, found none")
        stream = container.streams.video[0]
        rate = Fraction(stream.average_rate or stream.guessed_rate or 30)
        tb = Fraction(stream.time_base or Fraction(1, 90000))
        first = next((f.pts for f in container.decode(stream) if f.pts is not None), 0)
        return SourceStream(time_base=tb, average_rate=rate, first_pts=int(first),
                            frames=int(stream.frames or 0))


def drawing_side(width: int, height: int) -> int:
    """Return the long side (px) the annotated video of an upright ``width`` x ``height`` clip has.

    The source size, or less so that the picture fits 720p (no upscaling).
    """
    long, short = max(width, height), min(width, height)
    scale = min(1.0, MAX_LONG_SIDE / long, MAX_SHORT_SIDE / short)
    return max(2, round(long * scale))


def iter_upright_frames(path: str | Path, src: SourceStream, side: int = NO_DOWNSCALE,
                        keep: Collection[int] = ()) -> Iterator[SourceFrame]:
    """Yield every frame of the clip, upright, long side at most ``side``, in order.

    Frames listed in ``keep`` also carry the picture at the source size (``full``).

    Notes
    -----
    Frames drawn smaller are scaled in YUV by swscale and then turned into RGB by OpenCV
    (:func:`formcheck.capture.video.scaled_rgb`): 3.7 ms a 1080p frame to 720p, against
    6.4 ms for RGB at the source size plus ``cv2.resize`` and more for swscale's scaling to
    RGB in one step (CPU, shared 2-core machine, ``benchmarks/bench_render.py``). Only the
    stills are converted at the source size.
    """
    stream = FrameStream(path, max_side=side, convert=scaled_rgb, keep_source=bool(keep))
    for frame in stream:
        pts = src.first_pts + round(frame.time_s / src.time_base)
        full = None
        if frame.index in keep and frame.source is not None:
            source = frame.source
            drawn_smaller = max(frame.image.shape[:2]) < max(source.width, source.height)
            full = (scaled_rgb(source, (source.width, source.height)) if drawn_smaller
                    else frame.image)
        yield SourceFrame(index=frame.index, pts=int(pts), time_base=src.time_base,
                          image=frame.image, full=full)
