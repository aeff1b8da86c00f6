"""Write the analysis JSON of saved pose tracks, or compare two such folders.

    python scripts/compare_analyses.py write OUT_DIR [TRACK.npz ...]
    python scripts/compare_analyses.py compare OLD_DIR NEW_DIR

``write`` analyses each track (default: the fixture tracks under tests/) with a few option
sets, including the per-view parts of a clip that changes view, through the public API.
``compare`` reports every file whose JSON differs, ignoring the settings echo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.conftest describes the fixture tracks
OPTION_SETS: list[dict[str, object]] = [
    {},
    {"lift": "squat"},
    {"lift": "deadlift"},
    {"style": "low_bar", "height_cm": 175.0},
]


def _tracks(paths: list[str]) -> dict[str, object]:
    import numpy as np

    from formcheck.analysis.view_split import slice_track
    from formcheck.track import PoseTrack

    files = [Path(p) for p in paths] or sorted((REPO / "tests").glob("**/fixtures/**/*.npz"))
    tracks = {p.name.split(".")[0]: PoseTrack.load(p) for p in files}
    side = tracks.get("side_bodyweight_squat_8reps")
    front = tracks.get("front_bodyweight_squat_10reps_correct")
    if side is not None and front is not None:
        # A clip that changes view: a real side-on set followed by a real front-on one.
        a, b = slice_track(side, 0, side.n_frames), front  # type: ignore[attr-defined]
        shift = a.times_s[-1] + 1 / b.fps - b.times_s[0]
        tracks["splice_side_then_front"] = a.with_history(
            "spliced with a front-view set",
            image_xy=np.concatenate([a.image_xy, b.image_xy]),
            world_xyz=np.concatenate([a.world_xyz, b.world_xyz]),
            visibility=np.concatenate([a.visibility, b.visibility]),
            present=np.concatenate([a.present, b.present]),
            times_s=np.concatenate([a.times_s, b.times_s + shift]),
            back_profile=None,
        )
    return tracks


def write(out: Path, paths: list[str]) -> int:
    """Write ``NAME.OPTIONS.json`` (whole clip and parts) for every track; return the count."""
    from tests.conftest import fixture_video

    from formcheck.output import analysis_json
    from formcheck.pipeline import analyze_track

    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, track in _tracks(paths).items():
        for opts in OPTION_SETS:
            tag = "-".join(f"{k}={v}" for k, v in opts.items()) or "default"
            analysis = analyze_track(track, fixture_video(track), **opts)  # type: ignore[arg-type]
            doc = {
                "whole": json.loads(analysis_json(analysis)),
                "parts": [json.loads(analysis_json(p)) for p in analysis.parts],
            }
            (out / f"{name}.{tag}.json").write_text(json.dumps(doc, indent=1, sort_keys=True))
            n += 1
    return n


def _strip(doc: dict[str, object]) -> dict[str, object]:
    for d in [doc["whole"], *doc["parts"]]:  # type: ignore[list-item]
        d.pop("settings", None)  # type: ignore[attr-defined]
    return doc


def compare(old: Path, new: Path) -> int:
    """Print each differing or missing file; return how many differ."""
    bad = 0
    names = sorted({p.name for p in old.glob("*.json")} | {p.name for p in new.glob("*.json")})
    for name in names:
        a, b = old / name, new / name
        if not (a.exists() and b.exists()):
            print(f"missing: {name}")
            bad += 1
        elif _strip(json.loads(a.read_text())) != _strip(json.loads(b.read_text())):
            print(f"differs: {name}")
            bad += 1
    print(f"{len(names) - bad} of {len(names)} analyses identical (settings echo aside)")
    return bad


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        print(f"wrote {write(Path(sys.argv[2]), sys.argv[3:])} analyses")
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    else:
        sys.exit(__doc__)
