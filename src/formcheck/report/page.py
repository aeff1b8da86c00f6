"""The report page: one self-contained HTML file a lifter can open offline, on a phone or print."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import jinja2
import numpy as np

from formcheck import __version__
from formcheck.analysis.faults import not_judged_notes
from formcheck.report.overlay import draw_depth_guide, draw_still, plan_overlay
from formcheck.report.plots import Plot, metric_title, primary_metric_keys
from formcheck.result import Analysis, Fault, Metric, Rep
from formcheck.track import INDEX, PoseTrack

NOT_MEDICAL_ADVICE = (
    "This is not medical advice. formcheck measures how you moved in this video; it cannot "
    "tell why something hurts. Sharp pain, a pop, numbness or pain that keeps getting worse "
    "needs a doctor or physiotherapist, not a form check."
)
STILL_MAX_SIDE = 520  # px: sharp on a phone, small enough to keep the page light
_REGION_WORDS = {"lower_back": "lower back", "upper_back": "upper back", "mid_back": "mid back"}


@dataclass
class Still:
    """A cropped frame for the page, as a JPEG data URI."""

    frame: int
    time_s: float
    data_uri: str


def make_stills(raw: dict[int, np.ndarray], analysis: Analysis,
                track: PoseTrack) -> tuple[dict[tuple[int, str], Still], dict[int, Still]]:
    """Return the page stills: one per fault (keyed rep, fault id) and one per rep bottom.

    Each fault's still shows the skeleton with that fault's body part in its colour; a squat
    rep's bottom still also shows the thigh line and the horizontal through the knee.
    """
    plan = plan_overlay(analysis, track)
    per_fault: dict[tuple[int, str], Still] = {}
    for f in analysis.faults:
        if f.worst_frame in raw:
            img = draw_still(raw[f.worst_frame].copy(), plan, f.worst_frame, f)
            per_fault[(f.rep_index, f.id)] = make_still(img, track, f.worst_frame)
    bottoms: dict[int, Still] = {}
    for r in analysis.reps:
        if r.bottom_frame in raw:
            img = draw_still(raw[r.bottom_frame].copy(), plan, r.bottom_frame)
            if analysis.lift == "squat":
                img = draw_depth_guide(img, plan, r.bottom_frame)
            bottoms[r.index] = make_still(img, track, r.bottom_frame)
    return per_fault, bottoms


def crop_to_lifter(image: np.ndarray, track: PoseTrack, frame: int,
                   margin: float = 0.12) -> np.ndarray:
    """Return ``image`` cropped to the lifter's landmark box plus ``margin`` of its size.

    Falls back to the whole frame when the frame has no person.
    """
    if frame >= track.n_frames or not track.present[frame]:
        return image
    xy = track.image_xy[frame]
    ok = np.all(np.isfinite(xy), axis=1) & (track.visibility[frame] > 0.2)
    if ok.sum() < 4:
        return image
    (x0, y0), (x1, y1) = xy[ok].min(axis=0), xy[ok].max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0)
    # The top of the skull is well above the highest landmark (eyes/ears): give it room.
    head = 0.5 * (y1 - y0) / 7 if ok[: INDEX["left_shoulder"]].any() else 0.0
    h, w = image.shape[:2]
    xa, xb = int(max(0, x0 - pad)), int(min(w, x1 + pad))
    ya, yb = int(max(0, y0 - pad - head)), int(min(h, y1 + pad))
    if xb - xa < 8 or yb - ya < 8:
        return image
    return image[ya:yb, xa:xb]


def make_still(image: np.ndarray, track: PoseTrack, frame: int) -> Still:
    """Return the page still of ``frame``: cropped to the lifter, downsized, JPEG-encoded."""
    crop = crop_to_lifter(image, track, frame)
    scale = STILL_MAX_SIDE / max(crop.shape[:2])
    if scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)  # OpenCV's encoder expects BGR
    ok, jpg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not ok:  # pragma: no cover - OpenCV's JPEG encoder does not fail on a uint8 image
        raise RuntimeError("JPEG encoding of a still failed")
    t = float(track.times_s[frame]) if frame < track.n_frames else 0.0
    return Still(frame=frame, time_s=t, data_uri=_data_uri(jpg.tobytes(), "image/jpeg"))


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def format_metric(m: Metric | None) -> str:
    """Return a metric as short text for a table cell (``"38 deg"``, ``"yes"``, ``"-"``)."""
    if m is None or m.value is None:
        return "-"
    if isinstance(m.value, bool) or m.unit == "bool":
        return "yes" if m.value else "no"
    v = float(m.value)
    if m.unit == "deg":
        text = f"{v:.0f}°" if m.uncertainty is None else f"{v:.0f}° ± {m.uncertainty:.0f}°"
        return f"{text}: {m.words}" if m.words else text
    if m.unit == "s":
        return f"{v:.2f} s"
    if m.unit == "fraction":
        return f"{v:.2f}"
    return f"{v:.3g} {m.unit}"


def depth_caption(rep: Rep) -> str:
    """Return ``": depth +2° ± 4°: at parallel"`` for a rep's bottom still, or ``""``."""
    m = rep.metrics.get("depth_thigh_deg")
    if m is None or m.value is None or isinstance(m.value, bool):
        return ""
    sd = "" if m.uncertainty is None else f" ± {m.uncertainty:.0f}°"
    words = f": {m.words}" if m.words else ""
    return f": depth {float(m.value):+.0f}°{sd}{words}"


def soreness_words(regions: list[str]) -> str:
    """Return soreness region ids as words (``lower_back`` -> ``lower back``)."""
    return ", ".join(_REGION_WORDS.get(r, r.replace("_", " ")) for r in regions)


def _rep_rows(reps: list[Rep], metric_keys: list[str]) -> list[dict[str, Any]]:
    return [
        {"rep": r, "metrics": [format_metric(r.metrics.get(k)) for k in metric_keys],
         "faults": ", ".join(f.title for f in r.faults) or "none"}
        for r in reps
    ]


def _metric_keys(reps: list[Rep]) -> list[str]:
    keys: list[str] = []
    for r in reps:
        keys.extend(k for k in r.metrics if k not in keys)
    return keys


def fix_first(analysis: Analysis) -> list[str]:
    """Return the "what to fix first" lines without the engine's own "1. " numbering.

    The page numbers them with an ordered list; keeping both printed "1. 1. ...".
    """
    return [re.sub(r"^\s*\d+[.)]\s+", "", line) for line in analysis.summary]


def unsupported_checks(analysis: Analysis) -> list[str]:
    """Return the checks the view cannot support, as words (``forward_lean: ...`` -> name)."""
    return [item.split(":", 1)[0].replace("_", " ").strip() for item in analysis.view.unsupported]


def measured_line(f: Fault) -> str:
    """Return the plain sentence of what was measured against which limit, or ``""``."""
    if f.value is None:
        return ""
    unit_word = f.unit.split(" ")[0] if f.unit else ""
    limit = f.comparison
    if unit_word and not re.search(r"[A-Za-z]", limit):
        limit = f"{limit} {unit_word}"
    return f"Measured {f.value:.1f} {f.unit}; flagged when {limit}."


def _view_is_poor(analysis: Analysis) -> bool:
    v = analysis.view
    return bool(v.unsupported) or v.view not in ("side", "front") or v.confidence < 0.6


def render_page(analysis: Analysis, fault_stills: dict[tuple[int, str], Still],
                bottom_stills: dict[int, Still], plots: list[Plot], video_name: str | None) -> str:
    """Return the report page of ``analysis`` as one HTML string (CSS and images inlined)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("formcheck.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    css = resources.files("formcheck.report").joinpath("templates/report.css").read_text("utf-8")
    keys = _metric_keys(analysis.reps)
    main = [k for k in primary_metric_keys(analysis) if k in keys]
    faults: list[tuple[Fault, Still | None]] = [(f, fault_stills.get((f.rep_index, f.id)))
                                                for f in analysis.faults]
    unjudged = not_judged_notes(analysis.reps)
    return env.get_template("report.html.j2").render(
        a=analysis, css=css, version=__version__, not_medical_advice=NOT_MEDICAL_ADVICE,
        metric_titles=[metric_title(k) for k in main], rep_rows=_rep_rows(analysis.reps, main),
        all_titles=[metric_title(k) for k in keys], all_rows=_rep_rows(analysis.reps, keys),
        fix_first=fix_first(analysis), has_faults=bool(analysis.faults),
        unsupported=unsupported_checks(analysis), measured_line=measured_line,
        depth_caption=depth_caption,
        faults=faults, soreness_words=soreness_words, view_is_poor=_view_is_poor(analysis),
        not_judged=[line.removeprefix("not judged: ") for line in unjudged],
        not_judged_notes=unjudged,
        plots=[(p.name, _data_uri(p.png_bytes, "image/png"),
                _data_uri(p.narrow_png_bytes or p.png_bytes, "image/png")) for p in plots],
        bottoms=[(r, bottom_stills.get(r.index)) for r in analysis.reps],
        video_name=video_name, source_name=Path(analysis.video.path).name,
    )


def write_page(analysis: Analysis, track: PoseTrack, raw_stills: dict[int, np.ndarray],
               plots: list[Plot], out_path: str | Path, video_name: str | None = None) -> Path:
    """Return the path of the report page written to ``out_path``.

    ``raw_stills`` maps frame numbers to upright source frames (see ``annotate.still_frames``).
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fault_stills, bottom_stills = make_stills(raw_stills, analysis, track)
    html = render_page(analysis, fault_stills, bottom_stills, plots, video_name)
    out.write_text(html, encoding="utf-8")
    return out
