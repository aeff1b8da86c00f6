"""Pose estimation: run BlazePose (full) on every frame of a clip and return a PoseTrack.

The pass itself (:mod:`formcheck.capture.pose_pass`) splits a long clip into one time chunk
per core and decimates clips above ``analysis_fps``. The finished track is cached on disk
keyed by the video's content hash and the pose settings, so analysing the same clip again
(with other analysis settings) loads it instead of running the model.

Notes
-----
- Frames are downscaled (long side <= ``max_side``) before inference; landmarks come back
  normalised and are scaled to the original upright resolution, so ``image_xy`` is in
  original pixels whatever ``max_side`` is.
- Settings and their reasons live in ``data/pose_settings.toml``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from formcheck.capture import people
from formcheck.capture.fingerprint import clip_sha256
from formcheck.capture.silhouette import PROFILE_POINTS
from formcheck.capture.video import (
    DEFAULT_MAX_SIDE,
    check_readable,
    probe_video,
    read_header,
)
from formcheck.errors import ConfigError, InputFileError, NoPersonError, PersonTooSmallError
from formcheck.paths import cache_folder
from formcheck.result import VideoInfo
from formcheck.settings import Setting, apply_overrides, setting_table
from formcheck.track import LANDMARKS, PoseTrack

if TYPE_CHECKING:  # the pass itself is loaded only when a track is computed, not on a hit
    from formcheck.capture.pose_pass import PassPlan, PassResult

MODEL = "mediapipe.solutions.pose BlazePose full (model_complexity=1)"
CACHE_VERSION = 1
Progress = Callable[[int, int], None]
_N = len(LANDMARKS)
# Settings that change the track itself (and so key the cache); the others only judge it.
_PASS_SETTINGS = (
    "person_sample_interval_s",
    "person_min_samples",
    "second_person_visibility",
    "second_person_fraction",
    "lifter_motion_ratio",
    "lifter_min_motion",
    "nearer_size_ratio",
    "identity_jump",
    "identity_scale",
    "analysis_fps",
    "parallel_min_chunk_s",
    "chunk_overlap_s",
    "parallel_max_share",
    "decode_ms_per_megapixel",
    "pose_frame_ms",
)


class PoseSettings(BaseModel):
    """The pose stage's settings (see ``pose_settings.toml`` for units and reasons)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_person_height: Setting
    min_present_fraction: Setting
    absent_report_s: Setting
    person_sample_interval_s: Setting
    person_min_samples: Setting
    second_person_visibility: Setting
    second_person_fraction: Setting
    lifter_motion_ratio: Setting
    lifter_min_motion: Setting
    nearer_size_ratio: Setting
    identity_jump: Setting
    identity_scale: Setting
    analysis_fps: Setting
    parallel_min_chunk_s: Setting
    chunk_overlap_s: Setting
    parallel_max_share: Setting
    decode_ms_per_megapixel: Setting
    pose_frame_ms: Setting

    def values(self) -> dict[str, float]:
        """Return ``{name: value}`` (what the cache key and the track's source record)."""
        return {name: getattr(self, name).value for name in type(self).model_fields}


def load_pose_settings(path: str | Path | None = None, **overrides: float) -> PoseSettings:
    """Return the pose settings from ``path`` (default: the bundled file) with overrides.

    Raises
    ------
    ConfigError
        If the file is not valid TOML, an entry is missing, unknown or out of range, or an
        override names an unknown setting (the known ones are listed).
    """
    where = "bundled pose_settings.toml" if path is None else str(path)
    if path is None:
        text = resources.files("formcheck.data").joinpath("pose_settings.toml").read_text()
    else:
        text = Path(path).read_text()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"expected TOML pose settings in {where}, got: {exc}") from exc
    known = set(PoseSettings.model_fields)
    problems = [f"{name}: unknown setting" for name in sorted(set(raw) - known)]
    problems += [f"{name}: missing" for name in sorted(known - set(raw))]
    try:
        table = setting_table({k: v for k, v in raw.items() if k in known}, where)
    except ConfigError as exc:
        problems.insert(0, str(exc).split("problem(s): ", 1)[1])
    if problems:
        raise ConfigError(
            f"expected the pose settings {sorted(known)} in {where}, got: " + "; ".join(problems)
        )
    table = apply_overrides(table, overrides, "pose setting")
    return PoseSettings.model_validate(table)


def estimate_track(
    path: str | Path,
    *,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    max_side: int = DEFAULT_MAX_SIDE,
    settings: PoseSettings | None = None,
    person: str = "auto",
) -> tuple[VideoInfo, PoseTrack, list[str]]:
    """Return the video facts, the lifter's pose track and warnings for a clip.

    Parameters
    ----------
    path : str or Path
        The clip.
    cache_dir : str or Path, optional
        Where tracks are cached; default ``$FORMCHECK_CACHE_DIR`` or the user cache folder.
    use_cache : bool
        Read and write the cache (False always runs the model and writes nothing).
    progress : callable, optional
        ``progress(done, total)`` after each frame; a re-run for a second person restarts
        the count.
    max_side : int
        Frames are scaled so their long side is at most this before inference (pixels).
    settings : PoseSettings, optional
        Defaults to :func:`load_pose_settings`.
    person : str
        Which person to follow when two are in frame (see
        :func:`formcheck.capture.people.check_person`); part of the cache key.

    Returns
    -------
    (VideoInfo, PoseTrack, list of str)

    Raises
    ------
    InputFileError and subclasses
        Unreadable or unusable video (see :func:`formcheck.capture.video.probe_video`).
    NoPersonError, PersonTooSmallError, MultiplePeopleError
        No usable lifter.
    """
    path = Path(path)
    settings = settings or load_pose_settings()
    check_readable(path)
    # With the cache on, a clip whose file identity is unchanged is not read again to hash it.
    clip_hash = clip_sha256(path, cache_folder(cache_dir) if use_cache else None)
    sha = clip_hash.sha256
    people.check_person(person)
    cache_file = _cache_file(cache_dir, sha, max_side, settings, person)
    cached, notes = _load_cached(cache_file, path, sha) if use_cache else (None, [])
    if cached is not None:
        info, track, warnings = cached
        if progress is not None:
            progress(track.n_frames, track.n_frames)
    else:
        info = probe_video(path, sha256=sha)
        track, warnings = _estimate(path, info, settings, max_side, progress, person)
        if use_cache:
            notes += _save_cached(track, cache_file)
    check_track(track, settings)
    clip_hash.remember()
    return info, track, warnings + notes


# What reading a damaged, truncated, foreign or hand-made cache entry can raise: a cache is
# only a shortcut, so each of these means "compute the track again".
_UNREADABLE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    MemoryError,
    zipfile.BadZipFile,
    zlib.error,
)


def _load_cached(
    cache_file: Path, path: Path, sha: str
) -> tuple[tuple[VideoInfo, PoseTrack, list[str]] | None, list[str]]:
    """Return the cached result for ``path`` (None when absent or unusable) and warnings.

    An entry that cannot be read, or that does not match the clip (content hash, frame
    size, frame rate, frame count), is reported and left to be recomputed and replaced.
    """
    try:
        if not cache_file.exists():
            return None, []
        track = PoseTrack.load(cache_file)
        info = VideoInfo(**{**track.source["video_info"], "path": str(path)})
        problem = _cache_mismatch(track, info, path, sha)
        warnings = [str(w) for w in track.source.get("warnings", [])]
    except _UNREADABLE as exc:
        problem = f"{type(exc).__name__}: {str(exc)[:200]}"
    if problem is not None:
        note = f"the cached pose track {cache_file.name} is unusable ({problem}); recomputed it"
        return None, [note]
    return (info, track.with_history(f"pose: loaded from cache {cache_file.name}"), warnings), []


def _cache_mismatch(track: PoseTrack, info: VideoInfo, path: Path, sha: str) -> str | None:
    """Return why a loaded track does not belong to the clip at ``path``, or None."""
    if info.sha256 != sha:
        return f"it was made from another file (sha256 {str(info.sha256)[:12]}...)"
    if (track.width, track.height) != (info.width, info.height) or track.fps != info.fps:
        return "its frame size or rate disagrees with its own video facts"
    try:
        header = read_header(path)
    except InputFileError as exc:
        return f"the clip's header does not read: {exc}"
    if sorted(header.coded_size) != sorted((track.width, track.height)):
        w, h = header.coded_size
        return f"frames of {track.width}x{track.height}, the clip has {w}x{h}"
    if header.fps > 0 and abs(track.fps - header.fps) > 1e-3 * header.fps:
        return f"{track.fps:.3f} fps, the clip has {header.fps:.3f} fps"
    # Fewer frames than the index lists is normal for a truncated file; more is not.
    if track.n_frames < 1 or (header.frames and track.n_frames > 1.1 * header.frames + 2):
        return f"{track.n_frames} frames, the clip lists {header.frames}"
    return None


def _save_cached(track: PoseTrack, cache_file: Path) -> list[str]:
    """Write ``track`` to the cache; return a warning instead of failing when it cannot."""
    try:
        track.save(cache_file)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return [
            f"could not write the pose cache at {cache_file} ({reason}): the analysis is "
            "complete but the next run will compute the track again (see --cache-dir or "
            "FORMCHECK_CACHE_DIR)"
        ]
    return []


def check_track(track: PoseTrack, settings: PoseSettings) -> None:
    """Raise if the track has no usable person (gaps are noted by the analysis, once).

    Raises
    ------
    NoPersonError
        A person in fewer than ``min_present_fraction`` of the frames.
    PersonTooSmallError
        The person's median landmark height below ``min_person_height`` of the frame.
    """
    n = track.n_frames
    found = int(track.present.sum())
    need = settings.min_present_fraction.value
    if n == 0 or found < max(1.0, need * n):
        raise NoPersonError(
            f"expected a person in at least {need:.0%} of the frames, got one in {found} of "
            f"{n} frames: film the whole body, side on, with nobody else in frame"
        )
    ys = track.image_xy[track.present, :, 1]
    height = float(np.median(np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1))) / track.height
    floor = settings.min_person_height.value
    if height < floor:
        raise PersonTooSmallError(
            f"expected the person to be at least {floor:.0%} of the frame height, got "
            f"{height:.0%} (median over {found} frames): film closer or crop to the lifter"
        )


def _estimate(
    path: Path,
    info: VideoInfo,
    settings: PoseSettings,
    max_side: int,
    progress: Progress | None,
    person: str = "auto",
) -> tuple[PoseTrack, list[str]]:
    from formcheck.capture.pose_pass import plan_for

    plan = plan_for(path, info, settings.values())
    first = _run_pass(path, info, settings, max_side, progress, plan, search=True)
    xy = np.asarray(first.image_xy).reshape(-1, _N, 2)
    present = np.asarray(first.present, dtype=bool)
    switches = people.find_identity_switches(xy, present, np.asarray(first.times_s), settings)
    choice = people.choose_lifter(first.sightings, switches, info.width, settings, person)
    chosen = first
    history = (
        f"pose: {MODEL}, {len(first.present)} frames, max_side {max_side}, "
        f"{plan.chunks} chunk(s) in parallel, model on every {plan.every} frame(s)"
    )
    if choice.rerun and choice.mask_x is not None:
        del first, chosen, xy, present  # the first pass's arrays, before the second is made
        chosen = _run_pass(path, info, settings, max_side, progress, plan, mask_x=choice.mask_x)
        x0, x1 = choice.mask_x
        history += f"; re-run with x {x0:.0f}-{x1:.0f} px blacked out to hide a second person"
        xy = np.asarray(chosen.image_xy).reshape(-1, _N, 2)
        present = np.asarray(chosen.present, dtype=bool)
        switches = people.find_identity_switches(xy, present, np.asarray(chosen.times_s), settings)
    warnings = chosen.warnings + choice.warnings
    if switches:
        shown = ", ".join(f"{t:.1f}" for t in switches[:5])
        warnings.append(
            f"the tracked body jumps suddenly at {shown} s (another person or a "
            "false detection); check those frames"
        )
    return _build_track(chosen, info, settings, max_side, history, warnings), warnings


def _run_pass(
    path: Path,
    info: VideoInfo,
    settings: PoseSettings,
    max_side: int,
    progress: Progress | None,
    plan: PassPlan,
    *,
    search: bool = False,
    mask_x: tuple[float, float] | None = None,
) -> PassResult:
    from formcheck.capture.pose_pass import run_pass

    values = settings.values()
    return run_pass(path, info, values, max_side, progress, search=search, mask_x=mask_x, plan=plan)


def _build_track(
    run: PassResult,
    info: VideoInfo,
    settings: PoseSettings,
    max_side: int,
    history: str,
    warnings: list[str],
) -> PoseTrack:
    times = np.asarray(run.times_s, dtype=np.float64)
    return PoseTrack(
        image_xy=np.asarray(run.image_xy).reshape(-1, _N, 2),
        world_xyz=np.asarray(run.world_xyz).reshape(-1, _N, 3),
        visibility=np.asarray(run.visibility).reshape(-1, _N),
        present=np.asarray(run.present, dtype=bool),
        times_s=times - times[0] if times.size else times,
        fps=info.fps,
        width=info.width,
        height=info.height,
        back_profile=np.asarray(run.profile).reshape(-1, 2, PROFILE_POINTS),
        source={
            "model": MODEL,
            "video": info.path,
            "video_sha256": info.sha256,
            "video_info": {k: v for k, v in asdict(info).items() if k != "path"},
            "settings": {"max_side": max_side, **settings.values()},
            "warnings": warnings,
        },
        history=[history],
    )


def _mediapipe_version() -> str:
    try:
        return metadata.version("mediapipe")  # no import: loading mediapipe takes seconds
    except metadata.PackageNotFoundError:
        return "unknown"


def _cache_file(
    cache_dir: str | Path | None,
    sha: str,
    max_side: int,
    settings: PoseSettings,
    person: str = "auto",
) -> Path:
    values = settings.values()
    key = {
        "cache": CACHE_VERSION,
        "model": MODEL,
        "mediapipe": _mediapipe_version(),
        "max_side": max_side,
        "settings": {k: values[k] for k in _PASS_SETTINGS},
    }
    if person != "auto":
        key["person"] = person  # "auto" stays out of the key: existing caches still hit
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return cache_folder(cache_dir) / f"{sha[:24]}-{digest}.npz"


