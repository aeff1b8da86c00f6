"""Video probing and frame streaming on real clips and on clips written at test time."""

from __future__ import annotations

import tracemalloc
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.capture.video import (
    clockwise_rotation,
    file_sha256,
    iter_frames,
    probe_video,
    target_size,
)
from formcheck.errors import (
    CorruptVideoError,
    FrameRateError,
    InputFileError,
    NoFramesError,
    NotAVideoError,
)

from .clipgen import cut, read_frames, shared_clip, write_clip

SQUAT8 = "side_bodyweight_squat_8reps.mp4"  # 640x360, 23.98 fps, 347 frames
PORTRAIT = "front_barbell_squat_1rep.mp4"  # 720x1280, 29.97 fps, moov at the start


# --- bad input -------------------------------------------------------------------------


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"does not exist: .*nowhere.mp4"):
        probe_video(tmp_path / "nowhere.mp4")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"directory"):
        probe_video(tmp_path)


def test_text_file_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("squat 3x5 @ 100 kg, felt heavy\n" * 50)
    with pytest.raises(NotAVideoError, match=r"expected a video file .*not a video: notes.mp4"):
        probe_video(notes)


def test_empty_file_is_not_a_video(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(NotAVideoError, match=r"empty file"):
        probe_video(empty)


def test_png_is_a_still_image_not_a_video(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    with av.open(str(png), mode="w", format="image2") as out:
        stream = out.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = 32, 24, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.full((24, 32, 3), 200, np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    with pytest.raises(NotAVideoError, match=r"still image \(png\): photo.png"):
        probe_video(png)


def test_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    audio = tmp_path / "voice.m4a"
    with av.open(str(audio), mode="w") as out:
        stream = out.add_stream("aac", rate=16000)
        for i in range(8):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 16000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(NotAVideoError, match=r"no video stream \(streams: audio\)"):
        probe_video(audio)


def test_garbage_after_a_valid_header_is_corrupt(tmp_path: Path) -> None:
    data = shared_clip(PORTRAIT).read_bytes()
    bad = tmp_path / "corrupt.mp4"
    # Keep the container header and index (moov is at the start), replace the pictures.
    rng = np.random.default_rng(7)
    bad.write_bytes(data[:8000] + rng.bytes(len(data) - 8000))
    with pytest.raises(CorruptVideoError, match=r"expected decodable h264 video, got 175 packets"):
        probe_video(bad)


def test_damaged_header_is_corrupt_not_not_a_video(tmp_path: Path) -> None:
    data = shared_clip(PORTRAIT).read_bytes()
    bad = tmp_path / "cut_header.mp4"
    bad.write_bytes(data[:600])  # ftyp box intact, index cut short
    with pytest.raises(CorruptVideoError, match=r"cut_header.mp4"):
        probe_video(bad)


def test_stream_without_frames_is_no_frames(tmp_path: Path) -> None:
    # An AVI keeps its stream header even when nothing was encoded.
    empty = tmp_path / "noframes.avi"
    with av.open(str(empty), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        out.start_encoding()
    with pytest.raises(NoFramesError, match=r"at least one frame, got a mpeg4 stream with no"):
        probe_video(empty)


@pytest.mark.parametrize(("rate", "shown"), [(2, "2 fps"), (1000, "1e\\+03 fps")])
def test_absurd_frame_rate(tmp_path: Path, rate: int, shown: str) -> None:
    frames = [np.full((64, 64, 3), 10 * i, np.uint8) for i in range(6)]
    clip = write_clip(tmp_path / f"rate{rate}.mp4", frames, rate=rate)
    with pytest.raises(FrameRateError, match=rf"between 5 and 240 fps, got {shown}"):
        probe_video(clip)


def test_truncated_file_yields_the_frames_it_has(tmp_path: Path) -> None:
    data = shared_clip(PORTRAIT).read_bytes()
    part = tmp_path / "part.mp4"
    part.write_bytes(data[: int(len(data) * 0.4)])
    stream = iter_frames(part)
    frames = list(stream)
    assert 30 < len(frames) < 175 * 0.6
    assert stream.truncated
    assert "truncated" in stream.warnings[0]
    assert [f.index for f in frames] == list(range(len(frames)))


def test_iter_frames_of_corrupt_file_raises(tmp_path: Path) -> None:
    data = shared_clip(PORTRAIT).read_bytes()
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(data[:8000] + bytes(len(data) - 8000))
    with pytest.raises(CorruptVideoError, match=r"no decodable frame|undecodable"):
        list(iter_frames(bad))


# --- real clips ------------------------------------------------------------------------


def test_probe_real_clip() -> None:
    path = shared_clip(SQUAT8)
    info = probe_video(path)
    assert (info.width, info.height, info.rotation, info.codec) == (640, 360, 0, "h264")
    assert info.frames == 347
    assert info.fps == pytest.approx(23.976, abs=0.01)
    assert info.duration_s == pytest.approx(14.47, abs=0.05)
    assert not info.variable_frame_rate
    assert info.sha256 == file_sha256(path)


def test_variable_frame_rate_clip_is_flagged_and_timed_by_pts() -> None:
    path = shared_clip("oblique_deadlift_bad_b.mp4")
    info = probe_video(path)
    assert info.variable_frame_rate
    times = np.array([f.time_s for f in iter_frames(path, max_side=160)])
    assert times[0] == 0.0
    assert np.all(np.diff(times) > 0)
    steps = np.diff(times)
    assert steps.max() - steps.min() > 1e-5  # real pts, not index / fps


def test_frames_are_downscaled_rgb_of_the_upright_frame() -> None:
    frames = iter_frames(shared_clip(PORTRAIT), max_side=640)
    first = next(frames)
    frames.close()
    assert first.image.shape == (640, 360, 3)
    assert first.image.dtype == np.uint8
    assert first.time_s == 0.0


def test_no_upscaling_of_small_clips() -> None:
    first = next(iter(iter_frames(shared_clip(SQUAT8), max_side=960)))
    assert first.image.shape == (360, 640, 3)


def test_rotation_flag_gives_upright_frames(tmp_path: Path) -> None:
    src = shared_clip(SQUAT8)
    upright = [f for f in read_frames(src, 6)]
    # Store the frames turned a quarter turn anticlockwise, the display matrix turning back.
    coded = [np.rot90(f, k=1) for f in upright]
    clip = write_clip(tmp_path / "rot.mp4", coded, rate=Fraction(24000, 1001), rotation_ccw=-90)
    info = probe_video(clip)
    assert (info.rotation, info.width, info.height) == (90, 640, 360)
    got = next(iter(iter_frames(clip)))
    assert got.image.shape == (360, 640, 3)
    # Same picture as the upright source (up to the lossy re-encode).
    diff = np.abs(got.image.astype(int) - upright[0].astype(int)).mean()
    assert diff < 8


@pytest.mark.parametrize(
    ("codec", "suffix", "name"),
    [
        ("libvpx-vp9", ".webm", "vp9"),
        ("libx265", ".mp4", "hevc"),
    ],
)
def test_other_codecs_decode(tmp_path: Path, codec: str, suffix: str, name: str) -> None:
    clip = cut(shared_clip(SQUAT8), tmp_path / f"clip{suffix}", 12, codec=codec)
    info = probe_video(clip)
    assert info.codec == name
    assert info.frames == 12
    frames = list(iter_frames(clip))
    assert len(frames) == 12
    assert frames[-1].image.shape == (360, 640, 3)


def test_iter_frames_does_not_accumulate_frames() -> None:
    path = shared_clip(SQUAT8)  # 347 frames of 640x360: 240 MB if they were kept
    frame_bytes = 640 * 360 * 3
    tracemalloc.start()
    try:
        count = 0
        for frame in iter_frames(path):
            count += int(frame.image[0, 0, 0] >= 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 347
    assert peak < 8 * frame_bytes


# --- pure helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(("ccw", "cw"), [(0, 0), (-90, 90), (90, 270), (180, 180), (-180, 180)])
def test_clockwise_rotation(ccw: int, cw: int) -> None:
    assert clockwise_rotation(ccw) == cw


def test_target_size_keeps_aspect_and_never_upscales() -> None:
    assert target_size(1920, 1080, 960) == (960, 540)
    assert target_size(1080, 1920, 960) == (540, 960)
    assert target_size(640, 360, 960) == (640, 360)
    assert target_size(3840, 2160, 960) == (960, 540)
