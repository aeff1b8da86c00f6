"""The triage body map: front and back SVG figures with one clickable shape per region.

The shapes come from ``web/data/bodymap.toml``; the regions, their labels and which view
shows them come from the triage knowledge base, so a region added there without a shape
here is still offered as a checkbox (and a test says so).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from markupsafe import Markup, escape

from formcheck.triage.knowledge import KnowledgeBase

VIEWS = ("back", "front")
# The figure the regions sit on: head, neck, torso, arms, legs (same units as the shapes).
_FIGURE = ('<circle class="body" cx="100" cy="34" r="22"/>'
           '<rect class="body" x="88" y="54" width="24" height="18"/>'
           '<rect class="body" x="58" y="70" rx="14" width="84" height="152"/>'
           '<rect class="body" x="34" y="76" rx="10" width="22" height="130"/>'
           '<rect class="body" x="144" y="76" rx="10" width="22" height="130"/>'
           '<rect class="body" x="64" y="220" rx="10" width="34" height="190"/>'
           '<rect class="body" x="102" y="220" rx="10" width="34" height="190"/>')


@dataclass(frozen=True)
class Shape:
    """One drawn shape of a region in one view."""

    region: str
    view: str
    numbers: tuple[float, ...]


@lru_cache(maxsize=1)
def load_shapes() -> tuple[Shape, ...]:
    """Return every shape of the body map, as read from ``bodymap.toml``."""
    text = resources.files("formcheck.web").joinpath("data/bodymap.toml").read_text("utf-8")
    raw = tomllib.loads(text)["regions"]
    out = []
    for region, views in raw.items():
        for view, shapes in views.items():
            if view not in VIEWS:
                raise ValueError(f"bodymap.toml {region}: expected view back or front, "
                                 f"got {view!r}")
            for numbers in shapes:
                if len(numbers) not in (3, 4):
                    raise ValueError(f"bodymap.toml {region}.{view}: expected [x, y, w, h] "
                                     f"or [cx, cy, r], got {numbers}")
                out.append(Shape(region, view, tuple(float(n) for n in numbers)))
    return tuple(out)


def _element(shape: Shape, label: str) -> str:
    n = shape.numbers
    attrs = (f'data-region="{escape(shape.region)}" tabindex="0" role="checkbox" '
             f'aria-label="{escape(label)}"')
    title = f"<title>{escape(label)}</title>"
    if len(n) == 3:
        return f'<circle cx="{n[0]:g}" cy="{n[1]:g}" r="{n[2]:g}" {attrs}>{title}</circle>'
    return (f'<rect x="{n[0]:g}" y="{n[1]:g}" width="{n[2]:g}" height="{n[3]:g}" rx="3" '
            f'{attrs}>{title}</rect>')


def body_map_svgs(kb: KnowledgeBase) -> list[tuple[str, Markup]]:
    """Return (view, inline SVG) for the back and front figures with the regions drawn."""
    out = []
    for view in VIEWS:
        parts = [_element(s, kb.regions[s.region].label) for s in load_shapes()
                 if s.view == view and s.region in kb.regions]
        svg = (f'<svg viewBox="0 0 200 420" xmlns="http://www.w3.org/2000/svg" '
               f'aria-label="Body map, {view} view" class="map-{view}">'
               f'{_FIGURE}{"".join(parts)}</svg>')
        out.append((view, Markup(svg)))
    return out


def unmapped_regions(kb: KnowledgeBase) -> list[str]:
    """Return the knowledge base's regions that have no shape on the body map."""
    drawn = {s.region for s in load_shapes()}
    return [r for r in kb.regions if r not in drawn]
