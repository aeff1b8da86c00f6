"""How far a fault's measurement can be trusted: a 0-1 confidence and the reasons it is low.

The confidence of one rule on one rep is the product of five factors, each 1 when the
footage is good enough and falling to 0 as it gets worse:

- **visibility**: the lowest median BlazePose visibility, over the rep, of the landmarks the
  rule's ``highlight`` pairs name (the landmarks its metric is measured on);
- **occlusion**: the share of the rep's frames where one of those landmarks is hidden (below
  ``signals.min_visibility``, so the cleaning stage filled it in) or nobody is found;
- **view**: how far the body's turn to the camera (the view detector's yaw) is from the
  turn the rule's ``views`` measure best (90 deg for side, 0 for front or back, 45 for
  oblique), between ``faults.view_full_off_deg`` and ``faults.view_zero_off_deg``;
- **frame rate**: the clip's frame rate against ``faults.full_fps``;
- **lifter size**: the lifter's height in pixels against ``faults.full_lifter_px``.

Nothing here knows a metric or a fault by name: the landmarks come from the rule's data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.config import FaultRule, Settings
from formcheck.result import Rep, ViewResult
from formcheck.track import INDEX, PoseTrack

# The body turn to the camera (deg) each view measures best: side on, face on, half way.
_BEST_YAW = {"side": 90.0, "front": 0.0, "back": 0.0, "oblique": 45.0}


@dataclass(frozen=True)
class Footage:
    """What the faults of a clip were measured on: the cleaned track, its view and settings."""

    track: PoseTrack
    view: ViewResult
    near: str  # "left" | "right": the side a bare landmark name ("hip") means
    settings: Settings


def _ramp(x: float, zero: float, full: float) -> float:
    """Return 0 at ``zero``, 1 at ``full`` and beyond, linear between."""
    if full <= zero:
        return 1.0 if x >= full else 0.0
    return float(np.clip((x - zero) / (full - zero), 0.0, 1.0))


def rule_landmarks(rule: FaultRule, near: str) -> list[str]:
    """Return the landmark names a rule is measured on, from its ``highlight`` pairs."""
    names: list[str] = []
    for pair in rule.highlight:
        for part in pair:
            name = part if part.startswith(("left_", "right_")) else f"{near}_{part}"
            if name in INDEX and name not in names:
                names.append(name)
    return names


def _lifter_px(track: PoseTrack, frames: slice) -> float:
    """Return the lifter's tallest landmark span in the rep, in pixels (0 if never seen)."""
    y = track.image_xy[frames, :, 1]
    span = np.nanmax(y, axis=1) - np.nanmin(y, axis=1) if np.isfinite(y).any() else np.array([])
    span = span[np.isfinite(span)]
    return float(span.max()) if span.size else 0.0


def fault_confidence(rule: FaultRule, rep: Rep, footage: Footage) -> tuple[float, list[str]]:
    """Return the confidence (0-1) of ``rule`` judged on ``rep`` and why it is below 1.

    Notes
    -----
    A rule with no ``highlight`` landmarks gets no visibility or occlusion factor: it does
    not say what it is measured on.
    """
    s, track = footage.settings, footage.track
    frames = slice(rep.start_frame, rep.end_frame + 1)
    factors: list[tuple[float, str]] = []
    names = rule_landmarks(rule, footage.near)
    min_vis = s.get("signals.min_visibility")
    if names:
        vis = track.visibility[frames][:, [INDEX[n] for n in names]]
        medians = np.median(vis, axis=0)
        worst = int(np.argmin(medians))
        factors.append((
            _ramp(float(medians[worst]), min_vis, s.get("faults.full_visibility")),
            f"{names[worst]} visibility {medians[worst]:.2f} "
            f"(trusted from {s.get('faults.full_visibility'):g})",
        ))
        present = track.present[frames]
        hidden = float(np.mean((vis < min_vis).any(axis=1) | ~present))
        factors.append((
            1.0 - _ramp(hidden, 0.0, s.get("faults.max_hidden_fraction")),
            f"{', '.join(names)} hidden in {100 * hidden:.0f}% of the rep's frames",
        ))
    view = footage.view
    if view.yaw_deg is not None:
        off = min(abs(view.yaw_deg - _BEST_YAW[v]) for v in rule.views)
        full, zero = s.get("faults.view_full_off_deg"), s.get("faults.view_zero_off_deg")
        factors.append((
            1.0 - _ramp(off, full, zero),
            f"body turned {view.yaw_deg:.0f} deg to the camera, {off:.0f} deg off the "
            f"{' or '.join(rule.views)} view this check reads (trusted within {full:g})",
        ))
    factors.append((
        _ramp(track.fps, 0.0, s.get("faults.full_fps")),
        f"filmed at {track.fps:.0f} fps (trusted from {s.get('faults.full_fps'):g})",
    ))
    size = _lifter_px(track, frames)
    factors.append((
        _ramp(size, 0.0, s.get("faults.full_lifter_px")),
        f"lifter {size:.0f} px tall in frame (trusted from {s.get('faults.full_lifter_px'):g})",
    ))
    confidence = float(np.prod([f for f, _ in factors]))
    return round(confidence, 2), [why for f, why in factors if f < 1.0]
