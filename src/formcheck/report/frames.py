"""Source frames for drawing: decoded, turned upright, with their presentation timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck.errors import CorruptVideoError, InputFileError, NotAVideoError


@dataclass
class SourceFrame:
    """One decoded frame, upright, with the timing the encoder must keep."""

    index: int
    pts: int | None
    time_base: Fraction
    image: np.ndarray  # (h, w, 3) uint8 BGR, upright


@dataclass
class SourceStream:
    """Facts about the source video stream that the annotated copy must repeat."""

    time_base: Fraction
    average_rate: Fraction
    frames: int  # container's count; 0 when the container does not say


def turn_upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Return ``image`` rotated clockwise by ``rotation`` degrees (0/90/180/270).

    Notes
    -----
    ``VideoInfo.rotation`` is how far the *player* turns the coded picture clockwise, so the
    annotated copy carries the turn in its pixels and no rotation flag: players that ignore
    the flag (several browsers did for years) then show it upright as well.
    """
    quarter = (rotation // 90) % 4
    if quarter == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-quarter))


def probe_stream(path: str | Path) -> SourceStream:
    """Return the time base, average rate and frame count of the first video stream."""
    with _open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        tb = stream.time_base or Fraction(1, 90000)
        return SourceStream(time_base=Fraction(tb), average_rate=Fraction(rate),
                            frames=int(stream.frames or 0))


def iter_upright_frames(path: str | Path, rotation: int) -> Iterator[SourceFrame]:
    """Yield every frame of the first video stream, upright, in presentation order.

    Parameters
    ----------
    path : path of the source clip.
    rotation : clockwise degrees to turn the coded frames (``VideoInfo.rotation``).
    """
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for i, frame in enumerate(container.decode(stream)):
                image = frame.to_ndarray(format="bgr24")
                yield SourceFrame(index=i, pts=frame.pts,
                                  time_base=Fraction(frame.time_base or stream.time_base or 1),
                                  image=turn_upright(image, rotation))
        except av.error.InvalidDataError as exc:
            raise CorruptVideoError(
                f"{path}: expected a decodable video stream, decoding failed: {exc}"
            ) from exc


def _open(path: str | Path) -> av.container.InputContainer:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"expected an existing video file, got {str(p)!r} (not found)")
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as exc:
        raise NotAVideoError(f"{p}: expected a video file, could not open it: {exc}") from exc
    if not container.streams.video:
        container.close()
        raise NotAVideoError(f"{p}: expected a video stream, found none")
    return container
