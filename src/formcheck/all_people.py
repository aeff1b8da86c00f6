"""``--all-people``: one analysis for each person in the clip, left to right.

The pose pass follows one person; for two people in frame it is run once per person
(``--person 1`` and ``--person 2``, each cached under its own key), and each track is
analysed on its own by :func:`formcheck.pipeline.analyze_track`. A clip with one person gives
one analysis, the same as without the flag apart from the note naming the person.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from formcheck.capture.people import ONE_PERSON
from formcheck.errors import ConfigError
from formcheck.pipeline import AnalysisOptions, analyze_track, time_window
from formcheck.result import Analysis

MAX_PEOPLE = 2  # the pose pass tells at most two people apart (capture.people)


def analyze_people(
    path: str | Path,
    options: AnalysisOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Analysis]:
    """Return one analysis per person in a clip, counted from the left (one when alone).

    Each analysis's first warning says which person it is (``person 1 of 2, on the
    left``). ``options.person`` must be ``auto``: picking one person and asking for all
    contradict each other.

    Raises
    ------
    ConfigError
        When ``options.person`` is not ``auto``.
    """
    from formcheck.capture.pose import estimate_track

    opts = (options or AnalysisOptions()).resolved()
    if opts.person != "auto":
        raise ConfigError(
            f"--all-people: expected no --person choice (it analyses everyone), got "
            f"--person {opts.person}"
        )
    out: list[Analysis] = []
    for n in range(1, MAX_PEOPLE + 1):
        video, track, notes = estimate_track(
            path, cache_dir=opts.cache_dir, use_cache=opts.use_cache, progress=progress,
            settings=opts.pose_settings, person=str(n),
        )
        alone = any(w.endswith(ONE_PERSON) for w in notes)
        notes = [w for w in notes if not w.endswith(ONE_PERSON)]
        analysis = analyze_track(track, video, opts, warnings_in=notes)
        analysis.track = time_window(track, opts.start_s, opts.end_s)[0]
        out.append(analysis)
        if alone:
            break
    for n, analysis in enumerate(out, start=1):
        where = "" if len(out) == 1 else f", on the {'left' if n == 1 else 'right'}"
        analysis.warnings.insert(0, f"person {n} of {len(out)}{where} (--all-people)")
    return out
