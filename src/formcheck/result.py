"""Result objects of an analysis: what the Python API returns and what the JSON mirrors.

The JSON schema (``formcheck.analysis/1``) is the ``to_dict`` of :class:`Analysis`; it is
documented in ``docs/analysis-schema.md``. Fields are only ever added within a major version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: ``formcheck --help`` reads SCHEMA without numpy
    import numpy as np

    from formcheck.track import PoseTrack

SCHEMA = "formcheck.analysis/1"

# Per-frame series an analysis carries, with units. Angles follow docs/conventions.md:
# degrees, 0-180, never wrapped.
SERIES_KEYS: dict[str, str] = {
    "knee_deg": "deg, interior hip-knee-ankle angle of the near leg (180 = straight)",
    "hip_deg": "deg, interior shoulder-hip-knee angle (180 = standing tall)",
    "trunk_lean_deg": "deg, hip->shoulder line from vertical (0 = upright)",
    "shin_lean_deg": "deg, ankle->knee line from vertical (0 = vertical shin)",
    "thigh_deg": "deg, hip->knee line below horizontal (0 = parallel, >0 = hip below knee)",
    "neck_deg": "deg, shoulder->ear line relative to the hip->shoulder line (0 = in line)",
    "hip_joint_x": "px, near hip joint centre (corrected hip landmark) x in the upright frame",
    "hip_joint_y": "px, near hip joint centre y in the upright frame, y down",
    "hip_height": "fraction of standing leg length above the ankles (1 = standing)",
    "bar_x": "px, bar proxy (wrist midpoint) x in the upright frame, y down",
    "bar_y": "px, bar proxy y in the upright frame, y down",
}


@dataclass
class VideoInfo:
    """Facts about the input video, read once at the boundary."""

    path: str
    sha256: str
    fps: float
    frames: int
    duration_s: float
    width: int  # upright (rotation applied)
    height: int
    rotation: int  # degrees clockwise the player must rotate the coded frames: 0/90/180/270
    codec: str
    variable_frame_rate: bool = False


@dataclass
class Metric:
    """One measured quantity with its unit (``deg``, ``s``, ``m/s``, ``fraction``, ``bool``)."""

    value: float | bool | None
    unit: str
    note: str = ""
    # One standard deviation of an angle, same unit, from landmark visibility and view angle.
    uncertainty: float | None = None
    words: str = ""  # the value in the lifter's words (depth: "below parallel", ...)


@dataclass
class Fault:
    """A form fault found in one rep, with the evidence for it and what to do about it."""

    id: str
    title: str
    rep_index: int
    severity: str  # "fault" | "info" | "experimental"
    value: float | None
    threshold: float | None
    unit: str
    comparison: str  # e.g. "> 45 deg"
    evidence: str  # one sentence with the numbers
    soreness: list[str]  # regions it commonly explains, e.g. ["lower_back"]
    cue: str
    frame_range: tuple[int, int]  # frames of the rep where the fault holds
    worst_frame: int
    experimental: bool = False
    body_parts: list[list[str]] = field(default_factory=list)  # landmark pairs to highlight
    # How far the measurement can be trusted (0-1), and what lowered it (empty when 1).
    confidence: float = 1.0
    confidence_reasons: list[str] = field(default_factory=list)


@dataclass
class NotJudged:
    """A check that was not judged on one rep: what it would have said and why not."""

    id: str
    title: str
    rep_index: int
    confidence: float  # below ``faults.min_confidence``; 0 when the metric is missing
    reasons: list[str]
    value: float | None  # the measured value, None when it could not be measured
    would_flag: bool  # the value crossed the threshold: a fault that was not reported


@dataclass
class Rep:
    """One repetition: its timing, per-rep metrics and faults."""

    index: int  # 1-based
    start_frame: int
    bottom_frame: int
    end_frame: int
    start_s: float
    bottom_s: float
    end_s: float
    partial: bool
    metrics: dict[str, Metric] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)


@dataclass
class ViewResult:
    """The camera view and how confident the detector is."""

    view: str  # "side" | "front" | "back" | "oblique" | "unknown"
    facing: str | None  # "left" | "right" for side views
    near_side: str | None  # "left" | "right": the body side nearer the camera
    confidence: float
    reason: str
    unsupported: list[str] = field(default_factory=list)  # measurements this view cannot give
    filming_advice: str = ""
    yaw_deg: float | None = None  # estimated body turn to the camera (90 = side on, 0 = facing)


@dataclass
class Analysis:
    """The whole result of ``formcheck analyze``."""

    video: VideoInfo
    lift: str
    style: str
    view: ViewResult
    reps: list[Rep]
    warnings: list[str]
    summary: list[str]  # what to fix first, most important first
    settings: dict[str, Any] = field(default_factory=dict)
    # Per-frame series (one value per frame, NaN where unknown), keys listed in SERIES_KEYS.
    series: dict[str, np.ndarray] = field(default_factory=dict)
    times_s: np.ndarray | None = None
    lift_reason: str = ""
    # Clips that change camera view: one analysis per part (empty when the view holds).
    parts: list[Analysis] = field(default_factory=list)
    # The raw pose track the analysis was made from (set by analyze_video; not in the JSON).
    track: PoseTrack | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dictionary of the documented schema."""
        return {
            "schema": SCHEMA,
            "video": asdict(self.video),
            "lift": self.lift,
            "lift_reason": self.lift_reason,
            "style": self.style,
            "view": asdict(self.view),
            "reps": [_rep_dict(r) for r in self.reps],
            "summary": self.summary,
            "warnings": self.warnings,
            "settings": self.settings,
        }

    @property
    def faults(self) -> list[Fault]:
        """Return every fault of every rep, in rep order."""
        return [f for r in self.reps for f in r.faults]

    @property
    def not_judged(self) -> list[NotJudged]:
        """Return every check left unjudged on some rep (footage too poor), in rep order."""
        return [n for r in self.reps for n in r.not_judged]


def _rep_dict(rep: Rep) -> dict[str, Any]:
    d = asdict(rep)
    d["metrics"] = {k: asdict(m) for k, m in rep.metrics.items()}
    d["faults"] = [asdict(f) for f in rep.faults]
    d["not_judged"] = [asdict(n) for n in rep.not_judged]
    return d
