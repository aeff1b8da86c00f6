"""formcheck: form analysis, soreness triage and a training log for squats and deadlifts.

The library's front door: ``analyze_video(path, AnalysisOptions(...)) -> Analysis``. The
package reads as the pipeline: :mod:`formcheck.capture` (file -> pose track),
:mod:`formcheck.analysis` (pose track -> reps, metrics, faults), :mod:`formcheck.pipeline`
(runs them), :mod:`formcheck.report`, :mod:`formcheck.triage`, :mod:`formcheck.log`; the
shared types (track, result, errors, config) sit at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "AnalysisOptions",
    "PoseTrack",
    "__version__",
    "analyze_track",
    "analyze_video",
]

if TYPE_CHECKING:
    from formcheck.pipeline import AnalysisOptions, analyze_track, analyze_video
    from formcheck.result import Analysis
    from formcheck.track import PoseTrack

_LAZY = {
    "AnalysisOptions": "formcheck.pipeline",
    "analyze_track": "formcheck.pipeline",
    "analyze_video": "formcheck.pipeline",
    "Analysis": "formcheck.result",
    "PoseTrack": "formcheck.track",
}


def __getattr__(name: str) -> Any:
    """Return the public API names on first use, so ``import formcheck`` stays light."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")
