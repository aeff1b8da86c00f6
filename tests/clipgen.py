"""Make test clips at test time from the real clips in ../shared/data (nothing is committed).

Every helper writes a new file with PyAV and returns its path; frames are RGB uint8 arrays
and ``compose`` functions describe how an output frame is built from source frames.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the repo (as in CI); FORMCHECK_SHARED_DATA points elsewhere, e.g. when
# the repo is a git worktree that has no shared/ beside it.
SHARED_CLIPS = (
    Path(os.environ.get("FORMCHECK_SHARED_DATA", REPO.parent / "shared" / "data")) / "clips"
)


def shared_clip(name: str) -> Path:
    """Return the path of a shared clip, or skip the test when ../shared/data is absent."""
    path = SHARED_CLIPS / name
    if not path.exists():
        pytest.skip(f"needs the real clip {name} in {SHARED_CLIPS} (absent on this machine)")
    return path


def read_frames(path: Path, limit: int | None = None) -> Iterator[np.ndarray]:
    """Yield the coded frames of ``path`` as RGB arrays (no rotation applied)."""
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if limit is not None and i >= limit:
                return
            yield frame.to_ndarray(format="rgb24")


def source_rate(path: Path) -> Fraction:
    """Return the average frame rate of a clip."""
    with av.open(str(path)) as container:
        rate = container.streams.video[0].average_rate
    return Fraction(rate) if rate else Fraction(30)


def write_clip(
    dst: Path,
    frames: Iterable[np.ndarray],
    rate: Fraction | int = 30,
    codec: str = "libx264",
    rotation_ccw: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode RGB frames (all the same even size) to ``dst``; return ``dst``.

    ``rotation_ccw`` writes a display matrix (counter-clockwise degrees, as FFmpeg and
    ``VideoFrame.rotation`` report it) the way phones do for portrait clips.
    """
    rate = Fraction(rate)
    with av.open(str(dst), mode="w", options=options or {}) as out:
        stream = None
        for i, rgb in enumerate(frames):
            if stream is None:
                stream = out.add_stream(codec, rate=rate)
                stream.height, stream.width = rgb.shape[:2]
                stream.pix_fmt = "yuv420p"
                if rotation_ccw is not None:
                    stream.set_display_rotation(rotation_ccw)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            frame.time_base = 1 / rate
            for packet in stream.encode(frame):
                out.mux(packet)
        assert stream is not None, "write_clip needs at least one frame"
        for packet in stream.encode():
            out.mux(packet)
    return dst


def even(rgb: np.ndarray) -> np.ndarray:
    """Return ``rgb`` cropped to even width and height (yuv420p needs them)."""
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


def resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Return ``rgb`` scaled to ``width`` x ``height`` with swscale."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.reformat(width=width, height=height, format="rgb24").to_ndarray()


Transform = Callable[[np.ndarray], np.ndarray]


def cut(
    src: Path, dst: Path, frames: int, transform: Transform | None = None, **kwargs: object
) -> Path:
    """Write the first ``frames`` frames of ``src`` (optionally transformed) to ``dst``."""
    fn = transform or (lambda a: a)
    return write_clip(
        dst, (even(fn(f)) for f in read_frames(src, frames)), rate=source_rate(src), **kwargs
    )  # type: ignore[arg-type]
