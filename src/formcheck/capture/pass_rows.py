"""Pass rows: one chunk's raw model outputs, how a child sends them, and how chunks are joined.

A chunk records MediaPipe's own float32 values (:class:`Recorder`) and keeps them as
float32 (:class:`ChunkRows`) until the chunks are joined; only :func:`join_rows` writes the
float64 arrays of the pass, once, into arrays allocated at their final size.

Notes
-----
A child process does not pickle its rows: :func:`send_rows` writes the arrays' own bytes
in blocks of at most ``BLOCK_BYTES`` and :func:`receive_rows` reads each block straight
into arrays allocated for them. Pickling a whole chunk cost three extra copies of it (the
float64 result and the pickle in the child, the pickle bytes in the parent) while the
other chunk's graph was still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.capture.silhouette import PROFILE_POINTS, measure_back_profile
from formcheck.track import LANDMARKS

_N = len(LANDMARKS)
#: Largest message a child writes to the pipe (bytes); the parent reads one into a
#: temporary buffer before copying it into place, so this bounds that buffer.
BLOCK_BYTES = 1 << 20
# The arrays of a chunk, in the order they are sent: (name, shape of one row, dtype).
_LAYOUT = (
    ("norm", (_N, 3), np.float32),  # normalised x, y and visibility
    ("world", (_N, 3), np.float32),  # metres
    ("profile", (2, PROFILE_POINTS), np.float32),  # mask pixels
    ("present", (), np.bool_),
    ("times_s", (), np.float64),  # stream seconds
)


@dataclass(frozen=True)
class RowsHead:
    """What a receiver needs to allocate a chunk's rows: their number and pixel scale."""

    n: int
    pixels: tuple[float, float]  # (width, height) the normalised landmarks scale to
    scale: float  # original pixels per inference pixel


@dataclass
class ChunkRows:
    """One chunk's frames as recorded, one row per inferred frame (see ``_LAYOUT``)."""

    head: RowsHead
    norm: np.ndarray
    world: np.ndarray
    profile: np.ndarray
    present: np.ndarray
    times_s: np.ndarray

    @classmethod
    def empty(cls, head: RowsHead) -> ChunkRows:
        """Return rows for ``head.n`` frames, allocated and not yet written."""
        arrays = {name: np.empty((head.n, *shape), dtype) for name, shape, dtype in _LAYOUT}
        return cls(head=head, **arrays)


class Recorder:
    """Collects a chunk's frames in float32 rows grown by doubling; ``rows`` returns them.

    Notes
    -----
    A frame's model outputs are kept as float32, the type MediaPipe returns them in, so
    nothing is rounded: normalised landmarks (x, y, visibility), world landmarks and the back
    profile in mask pixels (whole steps). ``capacity`` should be the frames the chunk is
    expected to have: rows not yet written are never touched, so they cost no memory, while
    each doubling briefly holds the old rows and their copy.
    """

    def __init__(self, size: tuple[int, int], scale: float, capacity: int = 1024) -> None:
        self._pixels = np.array([size[0] * scale, size[1] * scale])
        self._scale = scale
        capacity = max(1, capacity)
        self._norm = np.empty((capacity, _N, 3), dtype=np.float32)
        self._world = np.empty((capacity, _N, 3), dtype=np.float32)
        self._profile = np.empty((capacity, 2, PROFILE_POINTS), dtype=np.float32)
        self._present = np.empty(capacity, dtype=bool)
        self._times = np.empty(capacity)
        self.n = 0

    def _next_row(self, t: float, present: bool) -> int:
        if self.n == len(self._times):
            for name in ("_norm", "_world", "_profile", "_present", "_times"):
                old = getattr(self, name)
                grown = np.empty((2 * len(old), *old.shape[1:]), dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
        k, self.n = self.n, self.n + 1
        self._times[k], self._present[k] = t, present
        return k

    def add_empty(self, t: float) -> None:
        """Record a frame with no person."""
        k = self._next_row(t, False)
        self._norm[k] = np.nan
        self._norm[k, :, 2] = 0.0
        self._world[k] = np.nan
        self._profile[k] = np.nan

    def add(self, t: float, result: Any) -> np.ndarray:
        """Record a frame with a person; return its (33, 2) landmarks in original pixels."""
        k = self._next_row(t, True)
        norm = self._norm[k]
        for j, p in enumerate(result.pose_landmarks.landmark):
            norm[j] = (p.x, p.y, p.visibility)
        for j, p in enumerate(result.pose_world_landmarks.landmark):
            self._world[k, j] = (p.x, p.y, p.z)
        xy = norm[:, :2].astype(np.float64) * self._pixels
        self._profile[k] = _profile(result.segmentation_mask, xy / self._scale)
        return xy

    def rows(self) -> ChunkRows:
        """Return the recorded rows (views of the recorder's arrays, not copies)."""
        n = self.n
        head = RowsHead(
            n=n, pixels=(float(self._pixels[0]), float(self._pixels[1])), scale=self._scale
        )
        return ChunkRows(
            head=head,
            norm=self._norm[:n],
            world=self._world[:n],
            profile=self._profile[:n],
            present=self._present[:n],
            times_s=self._times[:n],
        )


def _profile(mask: np.ndarray | None, xy: np.ndarray) -> np.ndarray:
    if mask is None:
        return np.full((2, PROFILE_POINTS), np.nan)
    hip = xy[[23, 24]].mean(axis=0)
    shoulder = xy[[11, 12]].mean(axis=0)
    return measure_back_profile(mask, hip, shoulder)


def _blocks(array: np.ndarray) -> list[np.ndarray]:
    """Return ``array`` as flat byte views of at most ``BLOCK_BYTES`` each, whole rows."""
    flat = np.ascontiguousarray(array).reshape(len(array), -1).view(np.uint8)
    step = max(1, BLOCK_BYTES // max(1, flat.shape[1]))
    return [flat[k : k + step].reshape(-1) for k in range(0, len(flat), step)]


def send_rows(conn: Any, rows: ChunkRows) -> None:
    """Write ``rows``'s arrays to the connection ``conn`` as raw byte blocks, in layout order."""
    for name, _, _ in _LAYOUT:
        for block in _blocks(getattr(rows, name)):
            conn.send_bytes(block)


def receive_rows(conn: Any, head: RowsHead) -> ChunkRows:
    """Return the rows :func:`send_rows` wrote for ``head``, read into fresh arrays.

    Raises
    ------
    RuntimeError
        If a block does not have the size the layout expects (a sender out of step).
    """
    rows = ChunkRows.empty(head)
    for name, _, _ in _LAYOUT:
        for block in _blocks(getattr(rows, name)):
            got = conn.recv_bytes_into(block)
            if got != block.nbytes:
                raise RuntimeError(f"expected a block of {block.nbytes} bytes of {name}, got {got}")
    return rows


def join_rows(parts: list[ChunkRows], starts: list[float]) -> dict[str, np.ndarray]:
    """Return the float64 pass arrays of ``parts`` joined, part k from stream time ``starts[k]``.

    Each output array is allocated once at the joined length and filled part by part:
    ``image_xy`` (pixels), ``world_xyz`` (metres), ``visibility``, ``present``, ``times_s``,
    ``profile`` (pixels). The values are those of converting each part to float64 first and
    concatenating (casting float32 to float64 is exact, and the scaling is the same
    element-wise product).
    """
    keep = [
        int(np.searchsorted(p.times_s, t0)) if t0 != -np.inf else 0
        for p, t0 in zip(parts, starts, strict=True)
    ]
    total = sum(p.head.n - k for p, k in zip(parts, keep, strict=True))
    out = {
        "image_xy": np.empty((total, _N, 2)),
        "world_xyz": np.empty((total, _N, 3)),
        "visibility": np.empty((total, _N)),
        "present": np.empty(total, dtype=bool),
        "times_s": np.empty(total),
        "profile": np.empty((total, 2, PROFILE_POINTS)),
    }
    at = 0
    for part, k in zip(parts, keep, strict=True):
        end = at + part.head.n - k
        xy = out["image_xy"][at:end]
        xy[:] = part.norm[k:, :, :2]
        xy *= np.asarray(part.head.pixels)
        out["visibility"][at:end] = part.norm[k:, :, 2]
        out["world_xyz"][at:end] = part.world[k:]
        profile = out["profile"][at:end]
        profile[:] = part.profile[k:]
        profile *= part.head.scale
        out["present"][at:end] = part.present[k:]
        out["times_s"][at:end] = part.times_s[k:]
        at = end
    return out
