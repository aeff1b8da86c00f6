"""Pose estimation with the real BlazePose model on real clips (cut and composed at test time)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.capture import pose
from formcheck.capture.people import find_identity_switches
from formcheck.capture.silhouette import measure_back_profile
from formcheck.errors import (
    ConfigError,
    CorruptVideoError,
    InputFileError,
    NoPersonError,
    NotAVideoError,
    PersonTooSmallError,
)
from formcheck.pipeline import analyze_track
from formcheck.track import INDEX, PoseTrack

from .clipgen import cut, even, read_frames, resize, shared_clip, source_rate, write_clip

SQUAT8 = "side_bodyweight_squat_8reps.mp4"  # 640x360 side view, lifter in the middle
PORTRAIT = "front_barbell_squat_1rep.mp4"  # 720x1280 portrait
pytestmark = pytest.mark.clips


def _run(path: Path, tmp_path: Path, **kwargs: object) -> tuple:
    return pose.estimate_track(path, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def _hip_x(track: PoseTrack) -> np.ndarray:
    hips = track.image_xy[track.present][:, [INDEX["left_hip"], INDEX["right_hip"]], 0]
    return hips.mean(axis=1)


@pytest.fixture(scope="module")
def squat_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 4 s of the 8-rep side-view squat (about two reps)."""
    return cut(shared_clip(SQUAT8), tmp_path_factory.mktemp("clips") / "squat4s.mp4", 96)


@pytest.fixture(scope="module")
def squat_result(squat_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    cache = tmp_path_factory.mktemp("cache")
    seen: list[tuple[int, int]] = []
    result = pose.estimate_track(
        squat_clip, cache_dir=cache, progress=lambda d, t: seen.append((d, t))
    )
    return (*result, cache, seen)


# --- the track itself ------------------------------------------------------------------


def test_track_of_a_real_squat(squat_result: tuple) -> None:
    info, track, warnings, _, _ = squat_result
    assert warnings == []
    assert track.n_frames == 96 and track.present.all()
    assert (track.width, track.height) == (640, 360)
    assert track.fps == pytest.approx(23.976, abs=0.01)
    assert track.times_s[0] == 0 and np.all(np.diff(track.times_s) > 0)
    assert track.world_xyz.shape == (96, 33, 3) and np.isfinite(track.world_xyz).all()
    assert track.back_profile is not None and track.back_profile.shape == (96, 2, 11)
    assert np.isfinite(track.back_profile).mean() > 0.9
    assert track.source["video_sha256"] == info.sha256
    assert "BlazePose full" in track.source["model"]
    # The lifter stands in the middle of the frame, head above hips above ankles.
    assert 200 < np.median(_hip_x(track)) < 450
    nose, hip, ankle = (track.xy(n)[:, 1] for n in ("nose", "left_hip", "left_ankle"))
    assert np.all(nose > hip) and np.all(hip > ankle)  # y up in xy()


def test_hips_go_down_and_up(squat_result: tuple) -> None:
    _, track, _, _, _ = squat_result
    hip_y = track.xy("left_hip")[:, 1]
    # About two reps in 4 s: the hips travel well over 20 % of the frame height.
    assert hip_y.max() - hip_y.min() > 0.2 * track.height


def test_cache_hit_does_not_run_the_model(
    squat_clip: Path, squat_result: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first, first_warnings, cache, _ = squat_result
    calls: list[object] = []
    monkeypatch.setattr(pose, "_run_pass", lambda *a, **k: calls.append(a))
    info, again, warnings = pose.estimate_track(squat_clip, cache_dir=cache)
    assert calls == []
    assert np.allclose(again.image_xy, first.image_xy, atol=1e-3)
    assert again.history[-1].startswith("pose: loaded from cache")
    assert warnings == first_warnings
    assert info.path == str(squat_clip)


def test_cache_is_keyed_by_content_not_name(
    squat_clip: Path, squat_result: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, _, cache, _ = squat_result
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(squat_clip.read_bytes())
    monkeypatch.setattr(pose, "_run_pass", lambda *a, **k: pytest.fail("model ran"))
    info, _, _ = pose.estimate_track(copy, cache_dir=cache)
    assert info.path == str(copy)
    # A different max_side is a different pose setting: it must miss the cache.
    with pytest.raises(pytest.fail.Exception, match=r"model ran"):
        pose.estimate_track(copy, cache_dir=cache, max_side=320)


def test_progress_reports_every_frame(squat_result: tuple) -> None:
    seen = squat_result[-1]
    assert seen[0] == (1, 96) and seen[-1] == (96, 96)
    assert [d for d, _ in seen[:96]] == list(range(1, 97))


def test_damaged_cache_entry_is_recomputed(squat_clip: Path, squat_result: tuple) -> None:
    _, first, _, cache, _ = squat_result
    entry = next(cache.glob("*.npz"))
    good = entry.read_bytes()
    try:
        entry.write_bytes(good[:100])
        _, again, _ = pose.estimate_track(squat_clip, cache_dir=cache)
        assert not again.history[-1].startswith("pose: loaded from cache")
        assert np.allclose(again.image_xy, first.image_xy, atol=1e-3)
        assert entry.stat().st_size > 100  # overwritten with a good entry
    finally:
        entry.write_bytes(good)


def test_cache_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path / "env-cache"))
    where = pose._cache_file(None, "ab" * 32, 960, pose.load_pose_settings())
    assert where.parent == tmp_path / "env-cache"
    assert where.name.startswith("ab" * 12)


def test_downscaled_inference_returns_original_pixels(tmp_path: Path) -> None:
    clip = cut(shared_clip(PORTRAIT), tmp_path / "portrait.mp4", 30)
    _, small, _ = pose.estimate_track(clip, use_cache=False, max_side=640)
    _, full, _ = pose.estimate_track(clip, use_cache=False, max_side=1280)
    assert (small.width, small.height) == (720, 1280)
    both = small.present & full.present
    assert both.sum() > 20
    err = np.abs(small.image_xy[both] - full.image_xy[both])[:, :25]  # head and body
    assert np.median(err) < 0.02 * 1280
    # back_profile is in original pixels too, so the two resolutions agree in scale.
    assert small.back_profile is not None and full.back_profile is not None
    ratio = np.nanmedian(small.back_profile[both]) / np.nanmedian(full.back_profile[both])
    assert 0.8 < ratio < 1.25


def test_portrait_clip_with_rotation_flag_gives_upright_landmarks(tmp_path: Path) -> None:
    src = shared_clip(PORTRAIT)
    coded = (np.rot90(f, k=1) for f in read_frames(src, 30))  # stored sideways, like a phone
    clip = write_clip(tmp_path / "phone.mp4", coded, rate=source_rate(src), rotation_ccw=-90)
    info, track, _ = pose.estimate_track(clip, use_cache=False)
    assert (info.rotation, info.width, info.height) == (90, 720, 1280)
    assert (track.width, track.height) == (720, 1280)
    assert track.present.mean() > 0.9
    nose_y, hip_y = track.xy("nose")[:, 1], track.xy("left_hip")[:, 1]
    ok = track.present
    assert np.all(nose_y[ok] > hip_y[ok])  # head above hips, y up
    assert np.nanmax(track.image_xy[..., 0]) <= 720 + 50


def test_truncated_file_analyses_the_usable_part(tmp_path: Path) -> None:
    data = shared_clip(PORTRAIT).read_bytes()
    part = tmp_path / "part.mp4"
    part.write_bytes(data[: int(len(data) * 0.4)])
    _, track, warnings = pose.estimate_track(part, use_cache=False)
    assert 30 < track.n_frames < 100
    assert track.present.mean() > 0.9
    assert any("truncated" in w for w in warnings)


# --- no usable person ------------------------------------------------------------------


def test_blank_video_has_no_person(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = (rng.integers(40, 60, (360, 640, 3), dtype=np.uint8) for _ in range(24))
    clip = write_clip(tmp_path / "empty_room.mp4", frames, rate=24)
    cache = tmp_path / "cache"
    with pytest.raises(NoPersonError, match=r"got one in 0 of 24 frames"):
        pose.estimate_track(clip, cache_dir=cache, use_cache=False)
    assert not cache.exists()  # use_cache=False writes nothing


def test_person_too_small(tmp_path: Path) -> None:
    # The lifter shrunk to 60 % in the corner of a 1080p canvas: ~10 % of the frame height.
    def shrink(rgb: np.ndarray) -> np.ndarray:
        canvas = np.zeros((1080, 1920, 3), np.uint8)
        canvas[1080 - 216 :, :384] = resize(rgb, 384, 216)
        return canvas

    clip = cut(shared_clip(SQUAT8), tmp_path / "far.mp4", 48, shrink)
    with pytest.raises(PersonTooSmallError, match=r"at least 15% of the frame height, got \d+%"):
        pose.estimate_track(clip, use_cache=False)


def test_lifter_leaving_the_frame_is_a_warning_not_an_error(tmp_path: Path) -> None:
    src = shared_clip(SQUAT8)
    frames = [
        f if not 36 <= i < 60 else np.zeros_like(f) for i, f in enumerate(read_frames(src, 84))
    ]
    clip = write_clip(tmp_path / "gap.mp4", frames, rate=source_rate(src))
    video, track, warnings = pose.estimate_track(clip, use_cache=False)
    assert not track.present[40:58].any() and track.present[:30].all()
    # One gap gives one note, from the one absence check (in the analysis).
    notes = [w for w in analyze_track(track, video).warnings + warnings if "no lifter" in w]
    assert len(notes) == 1 and "1.5-2.5 s" in notes[0], notes


def test_bad_inputs_are_named_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"does not exist"):
        pose.estimate_track(tmp_path / "missing.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(NotAVideoError, match=r"notes.mp4"):
        pose.estimate_track(text, use_cache=False)
    data = shared_clip(PORTRAIT).read_bytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(data[:8000] + bytes(len(data) - 8000))
    with pytest.raises(CorruptVideoError, match=r"bad.mp4"):
        pose.estimate_track(bad, use_cache=False)


def test_settings_out_of_range_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"expected 0..1 fraction of frame height, got 2"):
        pose.load_pose_settings(min_person_height=2.0)
    with pytest.raises(ConfigError, match=r"unknown \['min_person_size'\]"):
        pose.load_pose_settings(min_person_size=0.2)


def test_settings_file_problems_are_all_reported(tmp_path: Path) -> None:
    bad = tmp_path / "pose.toml"
    bad.write_text('[min_person_height]\nvalue = 0.2\nunit = "fraction"\nmin = 0\nmax = 1\n')
    with pytest.raises(
        ConfigError,
        match=r"min_person_height.source: Field required; .*"
        r"min_present_fraction: missing",
    ):
        pose.load_pose_settings(bad)
    bad.write_text("not toml at all")
    with pytest.raises(ConfigError, match=r"expected TOML pose settings in .*pose.toml"):
        pose.load_pose_settings(bad)


# --- several people --------------------------------------------------------------------


def _side_by_side(dst: Path, lifter_left: bool, other: str = "still") -> Path:
    """Two people side by side in a 640x360 frame.

    The squatter is the middle half of the 8-rep clip. Beside them: ``"still"``, the clip's
    first frame mirrored (someone standing by); ``"twin"``, the squatter mirrored (two people
    squatting in step); ``"mirror"``, the squatter mirrored at 70 % size (a reflection).
    """
    src = shared_clip(SQUAT8)
    frames = [f[:, 160:480] for f in read_frames(src, 96)]

    def beside(i: int) -> np.ndarray:
        if other == "still":
            return frames[0][:, ::-1]
        if other == "twin":
            return frames[i][:, ::-1]
        panel = np.zeros_like(frames[i])
        panel[360 - 252 :, 48 : 48 + 224] = resize(frames[i][:, ::-1], 224, 252)
        return panel

    def pair(i: int) -> np.ndarray:
        halves = (frames[i], beside(i)) if lifter_left else (beside(i), frames[i])
        return even(np.concatenate(halves, axis=1))

    return write_clip(dst, (pair(i) for i in range(len(frames))), rate=Fraction(24000, 1001))


@pytest.mark.parametrize("lifter_left", [True, False])
def test_two_people_follow_the_one_doing_reps(tmp_path: Path, lifter_left: bool) -> None:
    clip = _side_by_side(tmp_path / "two.mp4", lifter_left)
    _, track, warnings = pose.estimate_track(clip, use_cache=False)
    side = "left" if lifter_left else "right"
    assert any(
        w.startswith(f"2 people in frame; followed the person on the {side}") for w in warnings
    )
    hip_x = _hip_x(track)
    assert track.present.mean() > 0.9
    assert np.all(hip_x < 320) if lifter_left else np.all(hip_x > 320)
    hip_y = track.xy("left_hip")[:, 1]
    assert np.nanmax(hip_y) - np.nanmin(hip_y) > 0.2 * track.height  # the squatter


def test_two_people_moving_alike_are_not_refused(tmp_path: Path) -> None:
    """Two lifters doing the same reps: follow the larger, more central one and say so."""
    clip = _side_by_side(tmp_path / "twins.mp4", lifter_left=True, other="twin")
    _, track, warnings = pose.estimate_track(clip, use_cache=False)
    assert any("larger and more central of two people moving alike" in w for w in warnings)
    assert any("use --person" in w for w in warnings)
    assert track.present.mean() > 0.9


def test_mirror_reflection_is_not_the_lifter(tmp_path: Path) -> None:
    clip = _side_by_side(tmp_path / "mirror.mp4", lifter_left=False, other="mirror")
    _, track, warnings = pose.estimate_track(clip, use_cache=False)
    assert any("followed the person on the right who is nearer the camera" in w for w in warnings)
    assert track.present.mean() > 0.9
    assert np.all(_hip_x(track) > 320)


def test_identity_switch_is_a_jump_of_the_torso() -> None:
    n = 20
    xy = np.zeros((n, 33, 2))
    xy[:, [INDEX["left_hip"], INDEX["right_hip"]]] = (100.0, 300.0)
    xy[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]]] = (100.0, 200.0)
    xy[:, :, 0] += np.arange(n)[:, None] * 2.0  # walking slowly: not a switch
    xy[12:, :, 0] += 400  # another person from frame 12
    present = np.ones(n, bool)
    times = np.arange(n) / 30
    found = find_identity_switches(xy, present, times, pose.load_pose_settings())
    assert found == [pytest.approx(12 / 30)]
    present[12] = False  # leaving and coming back elsewhere is not a switch
    assert find_identity_switches(xy, present, times, pose.load_pose_settings()) == []


# --- back profile ----------------------------------------------------------------------


def _profile_by_walking(mask: np.ndarray, hip: np.ndarray, shoulder: np.ndarray) -> np.ndarray:
    """The back-profile definition, one walk at a time (the reference the fast one must match)."""
    out = np.full((2, 11), np.nan)
    u = shoulder - hip
    length = float(np.hypot(*u))
    if not np.isfinite(length) or length < 5:
        return out
    normal = np.array([-u[1], u[0]]) / length
    n_steps = int(length * 0.8)
    for k in range(11):
        centre = hip + u * k / 10
        for side, sign in ((0, 1.0), (1, -1.0)):
            inside = []
            for s in range(n_steps):
                x, y = np.round(centre + sign * normal * s).astype(int)
                inside.append(
                    0 <= x < mask.shape[1] and 0 <= y < mask.shape[0] and mask[y, x] > 0.5
                )
            if not any(inside[:3]):
                continue
            out[side, k] = inside.index(False) if False in inside else n_steps - 1
    return out


@settings(max_examples=40, deadline=None)
@given(
    cx=st.floats(10, 90),
    cy=st.floats(10, 70),
    rx=st.floats(3, 40),
    ry=st.floats(3, 40),
    hip=st.tuples(st.floats(-10, 110), st.floats(-10, 90)),
    shoulder=st.tuples(st.floats(-10, 110), st.floats(-10, 90)),
)
def test_back_profile_matches_the_walking_definition(
    cx: float, cy: float, rx: float, ry: float, hip: tuple, shoulder: tuple
) -> None:
    yy, xx = np.mgrid[0:80, 0:100]
    mask = (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1).astype(np.float32)
    h, s = np.array(hip), np.array(shoulder)
    got = measure_back_profile(mask, h, s)
    want = _profile_by_walking(mask, h, s)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)])


def test_back_profile_of_a_rectangle() -> None:
    mask = np.zeros((100, 100), np.float32)
    mask[20:80, 40:60] = 1.0  # a 20-px wide upright trunk
    prof = measure_back_profile(mask, np.array([50.0, 75.0]), np.array([50.0, 25.0]))
    # u points up (y down), so side 0 = (-u_y, u_x)/L = (+1, 0): towards +x.
    assert np.all(prof[0] == 10) and np.all(prof[1] == 11)
