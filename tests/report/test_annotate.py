from __future__ import annotations

import copy
import struct
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.capture.video import probe_video
from formcheck.errors import InputFileError, NotAVideoError
from formcheck.report.annotate import write_annotated_video
from formcheck.report.overlay import short_title, smooth_path

from .conftest import FIXTURES, SAMPLE, load_case, shared_clip


def _probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        pts = [f.pts for f in c.decode(s)]
        return {"pts": pts, "time_base": s.time_base, "codec": s.codec_context.name,
                "pix_fmt": s.codec_context.pix_fmt, "profile": s.codec_context.profile,
                "duration": c.duration, "size": (s.codec_context.width, s.codec_context.height)}


def _top_level_boxes(path: Path) -> list[str]:
    boxes, data, i = [], path.read_bytes(), 0
    while i + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        if size == 1:
            size = struct.unpack(">Q", data[i + 8 : i + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        i += size
    return boxes


def _frame_at(container, index: int) -> np.ndarray:
    for i, frame in enumerate(container.decode(video=0)):
        if i == index:
            return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"clip has fewer than {index + 1} frames")


def test_annotated_video_keeps_every_frame_and_timestamp(sample_outputs):
    src, out = _probe(SAMPLE), _probe(sample_outputs["video"])
    assert len(out["pts"]) == len(src["pts"]) == 614
    assert out["time_base"] == src["time_base"]
    assert out["pts"] == src["pts"]
    assert out["duration"] == pytest.approx(src["duration"], abs=1e5)  # microseconds


def test_annotated_video_is_browser_safe_h264(sample_outputs):
    out = _probe(sample_outputs["video"])
    assert (out["codec"], out["pix_fmt"]) == ("h264", "yuv420p")
    assert out["profile"] in ("High", "Main", "Constrained Baseline")
    boxes = _top_level_boxes(sample_outputs["video"])
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # index first: streams at once


def test_overlay_is_drawn_on_the_frames(sample_case, sample_outputs):
    # The drawn video differs from the source where the skeleton is, and the rep counter box
    # sits in the top-left corner on every frame.
    _, track = sample_case
    with av.open(str(SAMPLE)) as a, av.open(str(sample_outputs["video"])) as b:
        fa = _frame_at(a, 319)
        fb = _frame_at(b, 319)
    knee = track.image_xy[319, 25].astype(int)  # left knee
    patch = (slice(knee[1] - 6, knee[1] + 6), slice(knee[0] - 6, knee[0] + 6))
    assert np.abs(fa[patch].astype(int) - fb[patch].astype(int)).mean() > 20
    def dark(img):
        return float((img[15:40, 20:60].max(axis=2) < 40).mean())

    assert dark(fb) > 0.4 > 0.1 > dark(fa)  # the counter's dark box over a bright ceiling


def test_variable_frame_rate_clip_keeps_its_uneven_timing(tmp_path):
    video = shared_clip("oblique_deadlift_bad_b.mp4")
    analysis, track = load_case(FIXTURES / "oblique_deadlift_bad_b.track.npz", video,
                                lift="deadlift")
    result = write_annotated_video(analysis, track, video, tmp_path / "vfr.mp4")
    src, out = _probe(video), _probe(result.path)
    assert len(set(np.diff(src["pts"]))) > 3  # really variable
    assert out["pts"] == src["pts"]
    assert result.frames == len(src["pts"]) == track.n_frames


def test_progress_reports_every_frame(sample_case, tmp_path):
    analysis, track = sample_case
    seen: list[tuple[int, int]] = []
    write_annotated_video(analysis, track, SAMPLE, tmp_path / "a.mp4",
                          progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == list(range(1, 615))
    assert seen[-1] == (614, 614)


def test_missing_video_is_named(sample_case, tmp_path):
    analysis, track = sample_case
    with pytest.raises(InputFileError, match=r"expected an existing video file, got .*nope\.mp4"):
        write_annotated_video(analysis, track, tmp_path / "nope.mp4", tmp_path / "o.mp4")


def test_file_that_is_not_a_video_is_named(sample_case, tmp_path):
    analysis, track = sample_case
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("squat 100 kg x 5")
    with pytest.raises(NotAVideoError, match=r"notes\.mp4: expected a video"):
        write_annotated_video(analysis, track, bogus, tmp_path / "o.mp4")


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=127)
               | st.just(" "), min_size=0, max_size=80))
def test_banner_titles_stay_short_and_end_on_a_word(title):
    short = short_title(title)
    assert len(short) <= 28
    if len(title.split(" (")[0].strip()) <= 28:
        assert short == title.split(" (")[0].strip()


def test_long_fault_title_loses_its_bracket_first():
    assert short_title("Hips rise before the shoulders (good-morning squat)") == (
        "Hips rise before the..."
    )
    assert short_title("Heels lift") == "Heels lift"


@given(st.integers(1, 5), st.integers(3, 40))
def test_smoothing_keeps_a_straight_path_and_its_gaps(half, n):
    path = np.stack([np.arange(n, dtype=float), 2.0 * np.arange(n)], axis=1)
    path[n // 2] = np.nan
    out = smooth_path(path, half)
    assert np.isnan(out[n // 2]).all()
    ok = np.isfinite(out).all(axis=1)
    assert ok.sum() == n - 1
    # A straight line stays on the line (averages of collinear points are collinear).
    np.testing.assert_allclose(out[ok, 1], 2.0 * out[ok, 0], atol=1e-9)


def _rotate_clip(src: Path, dst: Path) -> None:
    """Copy ``src`` with its track header's display matrix set to a 90-degree turn.

    That is how phones store portrait video: landscape-coded pictures plus a matrix in the
    ``tkhd`` box (ISO/IEC 14496-12) that tells players to turn them.
    """
    data = bytearray(src.read_bytes())
    at = data.find(b"tkhd")
    version = data[at + 4]
    times = 8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4
    matrix_at = at + 4 + 4 + times + 8 + 2 + 2 + 2 + 2
    data[matrix_at : matrix_at + 36] = struct.pack(
        ">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000
    )
    dst.write_bytes(bytes(data))


def _turned(track):
    """Return the same pose in the upright picture of the rotated clip: x' = H - y, y' = x."""
    turned = track.image_xy.copy()
    turned[..., 0] = track.height - track.image_xy[..., 1]
    turned[..., 1] = track.image_xy[..., 0]
    return track.with_history("test: turned 90 deg clockwise", image_xy=turned,
                              width=track.height, height=track.width)


def test_rotated_phone_clip_is_drawn_upright(sample_case, tmp_path):
    analysis, track = sample_case
    clip = tmp_path / "rotated.mp4"
    _rotate_clip(SAMPLE, clip)
    info = probe_video(clip)
    assert (info.rotation, info.width, info.height) == (90, track.height, track.width)
    upright = _turned(track)
    rotated = copy.deepcopy(analysis)
    rotated.video = info
    rotated.series["bar_x"], rotated.series["bar_y"] = (
        track.height - analysis.series["bar_y"], analysis.series["bar_x"].copy())
    out = write_annotated_video(rotated, upright, clip, tmp_path / "rot_annotated.mp4")
    probe = _probe(out.path)
    assert probe["size"] == (info.width, info.height)
    assert len(probe["pts"]) == 614
    with av.open(str(SAMPLE)) as a, av.open(str(out.path)) as b:
        src, drawn = _frame_at(a, 319), _frame_at(b, 319)
    expected = np.rot90(src, k=-1)  # what a player shows for the rotated clip
    # Away from the overlay the picture is the source turned upright (allow coding loss)...
    corner = (slice(-120, -60), slice(-200, -100))
    assert np.abs(expected[corner].astype(int) - drawn[corner].astype(int)).mean() < 12
    # ...and the skeleton lands on the lifter's knee in that upright picture.
    kx, ky = upright.image_xy[319, 25].astype(int)
    patch = (slice(ky - 5, ky + 5), slice(kx - 5, kx + 5))
    assert np.abs(expected[patch].astype(int) - drawn[patch].astype(int)).mean() > 20


def test_1080p_clip_is_drawn_at_720p_with_stills_at_the_source_size(tmp_path):
    # A 1920x1080 phone clip: the video is drawn at 1280x720, the overlay scaled with it,
    # while the report's still keeps the source's own pixels.
    video = shared_clip("oblique_deadlift_bad_b.mp4")
    analysis, track = load_case(FIXTURES / "oblique_deadlift_bad_b.track.npz", video,
                                lift="deadlift")
    assert (track.width, track.height) == (1920, 1080)
    i = next(f for f in range(track.n_frames) if track.present[f])
    result = write_annotated_video(analysis, track, video, tmp_path / "a.mp4", keep={i})
    assert _probe(result.path)["size"] == (1280, 720)
    with av.open(str(video)) as a, av.open(str(result.path)) as b:
        src, drawn = _frame_at(a, i), _frame_at(b, i)
    assert result.raw_stills[i].shape == (1080, 1920, 3)
    np.testing.assert_array_equal(result.raw_stills[i], src)
    # The skeleton is drawn where the track puts the hip, at two thirds of its pixel place.
    hip = (track.image_xy[i, 23] * 720 / 1080).astype(int)  # left hip
    small = np.asarray(cv2.resize(src, (1280, 720), interpolation=cv2.INTER_LINEAR))
    patch = (slice(hip[1] - 4, hip[1] + 4), slice(hip[0] - 4, hip[0] + 4))
    assert np.abs(small[patch].astype(int) - drawn[patch].astype(int)).mean() > 20


def _reencoded(src: Path, dst: Path, pix_fmt: str) -> Path:
    """Return ``src`` encoded again as H.264 in ``pix_fmt``, same size and frame count."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height = inp.streams.video[0].width, inp.streams.video[0].height
        stream.pix_fmt = pix_fmt
        for frame in inp.decode(video=0):
            picture = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            for packet in stream.encode(picture.reformat(format=pix_fmt)):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return dst


@pytest.mark.parametrize("pix_fmt", ["yuvj420p", "yuv420p"])
def test_rotated_1080p_clip_is_drawn_upright_at_720p_in_the_source_colours(tmp_path, pix_fmt):
    # A 1080p phone clip stored turned (display matrix), in full-range (the shared clip's
    # own) and limited-range 4:2:0: frames are scaled in YUV before they become RGB, then
    # turned upright. The drawn video is 720x1280; away from the overlay it is the source
    # picture (same colours, up to scaling and coding loss); the still is the upright
    # source frame at full size.
    video = shared_clip("oblique_deadlift_bad_b.mp4")
    analysis, track = load_case(FIXTURES / "oblique_deadlift_bad_b.track.npz", video,
                                lift="deadlift")
    if pix_fmt != "yuvj420p":
        video = _reencoded(video, tmp_path / "limited.mp4", pix_fmt)
    with av.open(str(video)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == pix_fmt
    clip = tmp_path / "rotated.mp4"
    _rotate_clip(video, clip)
    upright = _turned(track)
    rotated = copy.deepcopy(analysis)
    rotated.series.pop("bar_x", None)
    rotated.series.pop("bar_y", None)
    i = next(f for f in range(track.n_frames) if track.present[f])
    result = write_annotated_video(rotated, upright, clip, tmp_path / "a.mp4", keep={i})
    assert _probe(result.path)["size"] == (720, 1280)
    with av.open(str(video)) as a, av.open(str(result.path)) as b:
        src, drawn = np.rot90(_frame_at(a, i), k=-1), _frame_at(b, i)
    np.testing.assert_array_equal(result.raw_stills[i], src)
    small = np.asarray(cv2.resize(np.ascontiguousarray(src), (720, 1280),
                                  interpolation=cv2.INTER_LINEAR))
    diff = np.abs(small.astype(int) - drawn.astype(int)).max(axis=2)
    assert np.median(diff) <= 4  # most of the picture is the source's, colours kept
    assert (diff > 40).mean() < 0.1  # the overlay covers a small part of it
    hip = upright.image_xy[i, 23] * 720 / 1080  # left hip, in the drawn picture
    patch = (slice(int(hip[1]) - 4, int(hip[1]) + 4), slice(int(hip[0]) - 4, int(hip[0]) + 4))
    assert diff[patch].mean() > 20  # the skeleton is drawn where the track puts the hip
