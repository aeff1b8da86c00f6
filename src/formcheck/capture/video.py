"""Video input: probe a clip once at the boundary, then stream its upright, downscaled frames.

Everything about the file that later stages rely on (frame rate, frame count, upright size,
rotation, codec) is read here and returned as :class:`formcheck.result.VideoInfo`. Problems
with the file are raised as named errors from :mod:`formcheck.errors` whose messages say what
was expected and what was received.

Notes
-----
Rotation: phones store portrait clips as landscape frames plus a display matrix. FFmpeg
reports the matrix as a counter-clockwise angle; :class:`VideoInfo` stores the clockwise
rotation the player applies (0/90/180/270) and :func:`iter_frames` yields frames already
turned upright. Mirroring flags in the display matrix are not applied (phones do not write
them for the rear camera).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from formcheck.capture.fingerprint import file_sha256
from formcheck.errors import (
    CorruptVideoError,
    FrameRateError,
    InputFileError,
    NoFramesError,
    NotAVideoError,
)
from formcheck.result import VideoInfo

#: Frame rates a phone or camera records; outside this the file's timing is not trusted.
MIN_FPS = 5.0
MAX_FPS = 240.0
#: Long side (px) of the frames the pose model sees. Measured (issue 13) against 640, which
#: costs ~20 % less model time a frame on 1080p: on the 29 shared clips 640 moved the per-rep
#: angles by 3.2 deg at the 95th percentile (chunks alone: 1.0) and rep boundaries by 3 frames,
#: changed the faults of 3 clips and flagged a lockout hyperextension on a good deadlift
#: (side_deadlift_good_a); rep, lift and view scores were equal.
DEFAULT_MAX_SIDE = 960
_ACCEPTED = "a video file (mp4/mov/webm, H.264/HEVC/VP9)"
# Container signatures: a file that starts like a video container but will not open is
# corrupt; anything else is simply not a video.
_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"free"),
    (4, b"wide"),
    (0, b"\x1a\x45\xdf\xa3"),  # EBML: webm / mkv
    (0, b"RIFF"),
    (0, b"\x00\x00\x01\xba"),  # MPEG program stream
    (0, b"G"),  # MPEG transport stream sync byte
)
_IMAGE_DEMUXERS = ("image2", "_pipe")


@dataclass
class Frame:
    """One decoded frame: its index, presentation time and upright RGB pixels."""

    index: int
    time_s: float
    image: np.ndarray  # (h, w, 3) uint8 RGB, upright, long side <= max_side
    source: av.VideoFrame | None = None  # the decoded frame, when the stream keeps it


@dataclass
class _StreamFacts:
    """What a demux pass over the packets found."""

    packets: int = 0
    first_pts: int | None = None
    last_pts: int | None = None
    durations: list[int] = field(default_factory=list)
    read_error: str | None = None
    rotation_ccw: int = 0
    coded_size: tuple[int, int] | None = None
    decode_errors: int = 0


def target_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Return ``(width, height)`` scaled so the long side is at most ``max_side`` (no upscale)."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def clockwise_rotation(rotation_ccw: float) -> int:
    """Return the clockwise display rotation (0/90/180/270) for FFmpeg's counter-clockwise angle."""
    return round(-rotation_ccw / 90.0) % 4 * 90


def probe_video(path: str | Path, *, sha256: str | None = None) -> VideoInfo:
    """Return the facts about a video file, or raise a named error saying what is wrong.

    Parameters
    ----------
    path : str or Path
        The clip to read.
    sha256 : str, optional
        The file's content hash when the caller has already computed it.

    Returns
    -------
    VideoInfo
        Upright size, rotation, frame rate, frame count, duration, codec and content hash.

    Raises
    ------
    InputFileError, NotAVideoError, CorruptVideoError, NoFramesError, FrameRateError
        See :mod:`formcheck.errors`.

    Notes
    -----
    The packets are demuxed once (no decoding) to count frames and check the timestamps, and
    decoded only until the first picture comes out, so probing costs a small fraction of a
    full decode.
    """
    path = Path(path)
    check_readable(path)
    sha = sha256 or file_sha256(path)
    container = _open_container(path)
    with container:
        stream = _video_stream(container, path)
        facts = _scan_packets(container, stream)
        codec = stream.codec_context.name
        _check_decodable(facts, codec, int(stream.frames or 0), path)
        rate = _frame_rate(stream, facts, path)
        tb = float(stream.time_base) if stream.time_base is not None else 1.0 / rate
    assert facts.coded_size is not None  # _check_decodable guarantees it
    width, height = facts.coded_size
    rotation = clockwise_rotation(facts.rotation_ccw)
    if rotation in (90, 270):
        width, height = height, width
    frames = max(facts.packets, 1)
    span = 0.0
    if facts.first_pts is not None and facts.last_pts is not None:
        span = (facts.last_pts - facts.first_pts) * tb
    return VideoInfo(
        path=str(path),
        sha256=sha,
        fps=rate,
        frames=frames,
        duration_s=span + 1.0 / rate,
        width=width,
        height=height,
        rotation=rotation,
        codec=codec,
        variable_frame_rate=_is_variable(facts.durations),
    )


def keyframe_times(path: str | Path) -> np.ndarray:
    """Return the stream times (s) of the keyframes of ``path``'s video, sorted.

    Only the packets are read (no decoding), so this costs a small fraction of a decode. A
    seek lands on one of these times: a decoder starting at time ``t`` must decode from the
    last keyframe at or before ``t``.
    """
    path = Path(path)
    check_readable(path)
    container = _open_container(path)
    times: list[float] = []
    with container:
        stream = _video_stream(container, path)
        tb = float(stream.time_base) if stream.time_base is not None else None
        try:
            for packet in container.demux(stream):
                if packet.is_keyframe and packet.pts is not None and tb is not None:
                    times.append(packet.pts * tb)
        except av.error.FFmpegError:
            pass  # a damaged tail: the keyframes before it still plan the pass
    return np.sort(np.asarray(times, dtype=np.float64))


@dataclass(frozen=True)
class TimeSpan:
    """Which part of a clip a :class:`FrameStream` yields (all of it by default).

    ``start_s`` and ``stop_s`` are stream times in seconds (frames with
    ``start_s <= t < stop_s``); ``origin_s`` is the stream time that yielded times count
    from (default: the first yielded frame); ``every`` > 1 converts and yields only frames
    whose index on the clip's frame-rate grid is a multiple of it (the others are still
    decoded, counted and timed in ``FrameStream.times_s``).
    """

    start_s: float | None = None
    stop_s: float | None = None
    origin_s: float | None = None
    every: int = 1


def _to_rgb(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """Return the frame as upright RGB of ``size`` (before rotation) via swscale."""
    turns = clockwise_rotation(frame.rotation) // 90
    rgb = frame.reformat(
        width=size[0], height=size[1], format="rgb24", interpolation="BILINEAR"
    ).to_ndarray()
    if turns:
        return np.ascontiguousarray(np.rot90(rgb, k=-turns))
    return rgb


def scaled_rgb(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """Return the frame as upright RGB of ``size`` (before rotation), scaled in YUV first.

    Notes
    -----
    For drawing on, not for the pose model (whose input stays :func:`_to_rgb`'s). swscale
    scaling and RGB conversion in one step is its slow path; RGB at the source size plus
    ``cv2.resize`` took 4.6 ms a 1080p frame to 720p, swscale scaling the 4:2:0 planes
    plus OpenCV's BT.601 I420 -> RGB 3.5 ms (CPU, shared 2-core machine). Full-range
    ``yuvj420p`` (some phones) is brought to limited range while it is scaled; other pixel
    formats (10-bit, 4:2:2) and odd sizes take the RGB-then-resize way.
    """
    import cv2  # on use: probing a clip and the pose pass need no OpenCV from here

    w, h = size
    if (w, h) == (frame.width, frame.height):
        return _to_rgb(frame, size)
    if frame.format.name not in ("yuv420p", "yuvj420p") or w % 2 or h % 2:
        full = _to_rgb(frame, (frame.width, frame.height))
        turned = (w, h) if full.shape[1] == frame.width else (h, w)
        return np.asarray(cv2.resize(full, turned, interpolation=cv2.INTER_LINEAR))
    full_range = frame.format.name == "yuvj420p"
    i420 = frame.reformat(width=w, height=h, format="yuv420p", interpolation="BILINEAR",
                          src_color_range="JPEG" if full_range else None,
                          dst_color_range="MPEG" if full_range else None)
    rgb = np.asarray(cv2.cvtColor(i420.to_ndarray(), cv2.COLOR_YUV2RGB_I420), dtype=np.uint8)
    turns = clockwise_rotation(frame.rotation) // 90
    return np.ascontiguousarray(np.rot90(rgb, k=-turns)) if turns else rgb


def iter_frames(
    path: str | Path, max_side: int = DEFAULT_MAX_SIDE, threads: int = 0
) -> FrameStream:
    """Return a streaming iterator of upright RGB frames, long side at most ``max_side``.

    ``threads`` caps the decoder's threads (0 lets FFmpeg choose, one per core).

    The returned :class:`FrameStream` is an ``Iterator[Frame]``; after (or during) iteration
    its ``truncated`` flag and ``warnings`` list say whether the file ended early.
    """
    return FrameStream(path, max_side=max_side, threads=threads)


class FrameStream(Iterator[Frame]):
    """An iterator over a clip's frames that records decode problems instead of failing.

    Frames are decoded one at a time and converted (colour, scale) by swscale, so memory does
    not grow with the clip's length. Errors after at least one good frame end the stream and
    set ``truncated``; an error before any frame raises :class:`CorruptVideoError`.

    Attributes
    ----------
    truncated : bool
        True when decoding stopped before the end of the file.
    warnings : list of str
        Human-readable notes on what went wrong (for the analysis warnings).
    decode_errors : int
        Packets the decoder rejected.

    ``convert(frame, size)`` makes each yielded picture (default: swscale to RGB); with
    ``keep_source`` each :class:`Frame` also carries the decoded ``av.VideoFrame``, for a
    caller that needs another picture of some frames (the report's full-size stills).
    """

    def __init__(
        self,
        path: str | Path,
        max_side: int = DEFAULT_MAX_SIDE,
        threads: int = 0,
        span: TimeSpan | None = None,
        *,
        convert: Callable[[av.VideoFrame, tuple[int, int]], np.ndarray] | None = None,
        keep_source: bool = False,
    ) -> None:
        self.path = Path(path)
        self.max_side = int(max_side)
        self.convert = convert or _to_rgb
        self.keep_source = keep_source
        self.threads = int(threads)
        self.span = span or TimeSpan()
        self.truncated = False
        self.warnings: list[str] = []
        self.decode_errors = 0
        self.frames_read = 0
        self.times_s: list[float] = []
        self._gen: Generator[Frame, None, None] = self._generate()

    def __next__(self) -> Frame:
        return next(self._gen)

    def close(self) -> None:
        """Stop decoding and release the file."""
        self._gen.close()

    def _generate(self) -> Generator[Frame, None, None]:
        check_readable(self.path)
        container = _open_container(self.path)
        with container:
            stream = _video_stream(container, self.path)
            stream.thread_type = "AUTO"
            if self.threads:
                stream.thread_count = self.threads
            rate = float(stream.average_rate or stream.guessed_rate or 30.0)
            end_s = _indexed_end_s(stream)
            span = self.span
            if span.start_s is not None and stream.time_base is not None:
                # Lands on the keyframe at or before start_s; earlier frames are dropped below.
                container.seek(int(span.start_s / stream.time_base), stream=stream)
            last_s = 0.0
            size: tuple[int, int] | None = None
            t0 = span.origin_s
            for frame in self._decoded(container, stream):
                t = float(frame.time) if frame.pts is not None else self.frames_read / rate
                if span.start_s is not None and t < span.start_s:
                    continue
                if span.stop_s is not None and t >= span.stop_s:
                    return  # the rest of the clip belongs to another chunk
                t0 = t if t0 is None else t0
                last_s = t
                self.times_s.append(t - t0)
                self.frames_read += 1
                if round((t - t0) * rate) % span.every:
                    continue  # decimated: counted and timed, never converted
                if size is None:
                    size = target_size(frame.width, frame.height, self.max_side)
                yield Frame(index=self.frames_read - 1, time_s=t - t0,
                            image=self.convert(frame, size),
                            source=frame if self.keep_source else None)
        self._check_complete(end_s, last_s)

    def _decoded(self, container: av.container.InputContainer, stream: av.VideoStream) -> Iterator:
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError as exc:
                self._mark_truncated(f"reading stopped at frame {self.frames_read}: {exc}")
                return
            try:
                yield from packet.decode()
            except av.error.FFmpegError as exc:
                self.decode_errors += 1
                if self.frames_read == 0 and self.decode_errors > 50:
                    raise CorruptVideoError(
                        f"expected decodable video, got 50 undecodable packets before any "
                        f"frame ({exc}): {self.path.name}"
                    ) from exc

    def _check_complete(self, end_s: float | None, last_s: float) -> None:
        if self.frames_read == 0:
            raise CorruptVideoError(
                f"expected decodable video, got no decodable frame "
                f"({self.decode_errors} decode errors): {self.path.name}"
            )
        # The container's index says where the stream ends; pictures stopping well before
        # that mean the file's data ends early (an interrupted copy or upload). Frame counts
        # are not compared because edit lists legitimately drop packets.
        if not self.truncated and end_s and last_s < end_s - max(0.5, 0.05 * end_s):
            self._mark_truncated(
                f"pictures stop at {last_s:.1f} s of the {end_s:.1f} s its index lists"
            )
        if self.decode_errors and not self.truncated:
            self.warnings.append(
                f"{self.decode_errors} damaged packet(s) skipped while decoding {self.path.name}"
            )

    def _mark_truncated(self, why: str) -> None:
        self.truncated = True
        self.warnings.append(
            f"the video file looks truncated: {why}; analysed the {self.frames_read} "
            f"frame(s) that decoded"
        )


def _indexed_end_s(stream: av.VideoStream) -> float | None:
    if not stream.duration or stream.time_base is None:
        return None
    return float((stream.duration + (stream.start_time or 0)) * stream.time_base)


def check_readable(path: Path) -> None:
    """Return None if ``path`` is a readable, non-empty file; else raise a named error."""
    if not path.exists():
        raise InputFileError(f"expected {_ACCEPTED}, got a path that does not exist: {path}")
    if not path.is_file():
        raise InputFileError(f"expected {_ACCEPTED}, got a directory or special file: {path}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1)
    except OSError as exc:
        raise InputFileError(f"expected a readable file, got {exc.strerror}: {path}") from exc
    if not head:
        raise NotAVideoError(f"expected {_ACCEPTED}, got an empty file (0 bytes): {path.name}")


def _open_container(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        if _looks_like_container(path):
            raise CorruptVideoError(
                f"expected a readable video container, got a damaged one ({exc.strerror}): "
                f"{path.name}"
            ) from exc
        raise NotAVideoError(
            f"expected {_ACCEPTED}, got a file that is not a video: {path.name}"
        ) from exc


def _looks_like_container(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(16)
    return any(head[off : off + len(sig)] == sig for off, sig in _SIGNATURES)


def _video_stream(container: av.container.InputContainer, path: Path) -> av.VideoStream:
    fmt = container.format.name
    if not container.streams.video:
        kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "none"
        raise NotAVideoError(
            f"expected {_ACCEPTED}, got a file with no video stream (streams: {kinds}): {path.name}"
        )
    if fmt == "image2" or fmt.endswith("_pipe"):
        raise NotAVideoError(
            f"expected {_ACCEPTED}, got a still image ({fmt.removesuffix('_pipe')}): {path.name}"
        )
    return container.streams.video[0]


def _scan_packets(container: av.container.InputContainer, stream: av.VideoStream) -> _StreamFacts:
    facts = _StreamFacts()
    pts: list[int] = []
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError as exc:
            facts.read_error = str(exc)
            break
        if packet.size == 0:
            continue  # the flush packet at the end
        if facts.coded_size is None:
            _decode_first(packet, facts)
        if packet.is_discard:
            # Before an edit list's start (a clip trimmed without re-encoding): decoded as a
            # reference for the frames after it, never shown, so neither counted nor timed.
            continue
        facts.packets += 1
        if packet.pts is not None:
            pts.append(packet.pts)
    if facts.coded_size is None and facts.packets:
        _flush_first(stream, facts)
    if pts:
        ordered = np.sort(np.asarray(pts, dtype=np.int64))
        facts.first_pts, facts.last_pts = int(ordered[0]), int(ordered[-1])
        facts.durations = np.diff(ordered).tolist()
    return facts


def _decode_first(packet: av.Packet, facts: _StreamFacts) -> None:
    _note_first_frame(packet.decode, facts)


def _flush_first(stream: av.VideoStream, facts: _StreamFacts) -> None:
    # A decoder with frame delay (H.264 lookahead, B-frames) holds the first pictures of a
    # 1- or 2-frame clip until it is told the stream ended; without this flush such a valid
    # clip would look undecodable.
    _note_first_frame(lambda: stream.codec_context.decode(None), facts)


def _note_first_frame(decode: Callable[[], list], facts: _StreamFacts) -> None:
    try:
        frames = decode()
    except av.error.FFmpegError:
        facts.decode_errors += 1
        return
    for frame in frames:
        facts.coded_size = (frame.width, frame.height)
        facts.rotation_ccw = int(frame.rotation)
        return


def _check_decodable(facts: _StreamFacts, codec: str, claimed: int, path: Path) -> None:
    if facts.coded_size is not None:
        return
    if facts.packets == 0 and claimed == 0:
        raise NoFramesError(
            f"expected a video with at least one frame, got a {codec} stream "
            f"with no frames: {path.name}"
        )
    raise CorruptVideoError(
        f"expected decodable {codec} video, got {facts.packets} packets of which none "
        f"decoded ({facts.decode_errors} decode errors): {path.name}"
    )


def _frame_rate(stream: av.VideoStream, facts: _StreamFacts, path: Path) -> float:
    rate = stream.average_rate or stream.guessed_rate
    value = float(rate) if rate else 0.0
    if value <= 0 and facts.durations and stream.time_base is not None:
        span = sum(facts.durations) * float(stream.time_base)
        value = len(facts.durations) / span if span > 0 else 0.0
    if value <= 0:
        raise FrameRateError(
            f"expected a frame rate between {MIN_FPS:g} and {MAX_FPS:g} fps, got a stream "
            f"with no frame rate: {path.name}"
        )
    if not MIN_FPS <= value <= MAX_FPS:
        raise FrameRateError(
            f"expected a frame rate between {MIN_FPS:g} and {MAX_FPS:g} fps, got "
            f"{value:.3g} fps: {path.name}"
        )
    return value


def _is_variable(durations: list[int]) -> bool:
    # Muxers round each frame duration to the time base, so a 1-2 tick wobble is still a
    # constant rate; a real variable-rate clip varies by more than that and by >0.1 %.
    if len(durations) < 2:
        return False
    d = np.asarray(durations, dtype=np.float64)
    lo, hi, mid = np.percentile(d, 1), np.percentile(d, 99), np.median(d)
    return bool(hi - lo > 2 and mid > 0 and (hi - lo) / mid > 1e-3)


@dataclass(frozen=True)
class StreamHeader:
    """What a clip's container header says, read without demuxing any packet."""

    fps: float  # 0 when the header gives no rate
    coded_size: tuple[int, int]  # (width, height) before rotation
    frames: int  # frames the index lists; 0 when it does not say


def read_header(path: str | Path) -> StreamHeader:
    """Return the frame rate, coded size and listed frame count from a clip's header.

    Costs one container open (no decoding), so a cache hit can check that a stored track
    belongs to this clip before trusting it.

    Raises
    ------
    InputFileError and subclasses
        The file does not open as a video.
    """
    path = Path(path)
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        rate = stream.average_rate or stream.guessed_rate
        size = (int(stream.codec_context.width), int(stream.codec_context.height))
        frames = int(stream.frames or 0)
        return StreamHeader(fps=float(rate) if rate else 0.0, coded_size=size, frames=frames)
