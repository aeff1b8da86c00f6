"""Analysis stages: a pose track becomes reps, metrics and faults.

In pipeline order: ``signals`` (clean the track), ``lift`` (squat or deadlift),
``reps`` (segment the repetitions), ``view`` (camera view, near side), ``view_split``
(clips that change view), ``squat_side`` / ``squat_front`` / ``deadlift`` (per-rep
metrics), ``faults`` (rules applied to the metrics). :mod:`formcheck.pipeline` runs them.
"""

__all__ = [
    "deadlift",
    "faults",
    "lift",
    "nanmath",
    "reps",
    "signals",
    "squat_front",
    "squat_side",
    "view",
    "view_split",
]
