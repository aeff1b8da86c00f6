"""Triage and training-log pages in process: the form's answers reach the engine, every
verdict is reachable, the result is saved; quick entry, pain, CSV import, charts, advice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formcheck.triage import default_knowledge
from formcheck.web.bodymap import body_map_svgs, unmapped_regions

from .conftest import example_answers, form_fields

LOG_FIXTURES = Path(__file__).resolve().parents[1] / "log" / "fixtures"

def _csrf(client) -> str:
    return client.cookies.get("fc_csrf")


def _verdict(html: str) -> str:
    found = re.findall(r'data-verdict="(\w+)"', html)
    assert found, html[:500]
    return found[0]


def test_every_region_is_on_the_body_map_or_only_a_checkbox_for_a_reason() -> None:
    kb = default_knowledge()
    assert unmapped_regions(kb) == ["back_general"]  # "not sure where": no place to draw it
    svgs = dict(body_map_svgs(kb))
    assert set(svgs) == {"back", "front"}
    for r in kb.regions.values():
        if r.id == "back_general":
            continue
        views = ("back", "front") if r.view == "both" else (r.view,)
        for v in views:
            assert f'data-region="{r.id}"' in svgs[v], (r.id, v)


@pytest.mark.parametrize("verdict", sorted(example_answers()))
def test_the_form_reaches_each_verdict_and_saves_it(app_client, verdict) -> None:
    form = {"csrf": _csrf(app_client), **form_fields(example_answers()[verdict])}
    r = app_client.post("/triage", data=form, follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    assert _verdict(r.text) == verdict
    saved = app_client.get("/api/triage").json()["items"]
    assert [i["verdict"] for i in saved] == [verdict]


def test_bad_answers_are_all_named(app_client) -> None:
    form = {"csrf": _csrf(app_client), "regions": "nowhere", "hours_since_onset": "abc"}
    r = app_client.post("/triage", data=form)
    assert r.status_code == 422
    assert "region" in r.text and "expected hours" in r.text
    assert app_client.get("/api/triage").json()["items"] == []


def test_triage_api_takes_an_answers_document(app_client) -> None:
    r = app_client.post("/api/triage", json={"regions": ["neck_left"], "quality": "sharp",
                                             "onset": "during_lift"},
                        headers={"X-CSRF-Token": _csrf(app_client)})
    assert r.status_code == 200
    assert r.json()["result"]["schema"] == "formcheck.triage/2"
    r = app_client.post("/api/triage", json={"regions": ["elbow"]},
                        headers={"X-CSRF-Token": _csrf(app_client)})
    assert r.status_code == 400 and "elbow" in r.json()["error"]["message"]


def test_quick_entry_pain_and_advice(app_client) -> None:
    r = app_client.post("/log/sets", data={"csrf": _csrf(app_client),
                                           "entry": "squat 100kg 5x5 @8"}, follow_redirects=True)
    assert r.status_code == 200 and "squat" in r.text.lower() and "100 kg" in r.text
    r = app_client.post("/log/sets", data={"csrf": _csrf(app_client), "entry": "squat lots"})
    assert r.status_code == 400 and "no weight" in r.text
    r = app_client.post("/log/pain", data={"csrf": _csrf(app_client), "region": "lower_back",
                                           "after": "4"}, follow_redirects=True)
    assert r.status_code == 200
    r = app_client.post("/log/pain", data={"csrf": _csrf(app_client), "region": "lower_back",
                                           "after": "14"})
    assert r.status_code == 400 and "0 to 10" in r.text
    assert app_client.get("/log/advice").status_code == 200
    assert "advice" in app_client.get("/api/log/advice").json()


def test_import_then_charts(app_client) -> None:
    csv = LOG_FIXTURES / "hevy_kg.csv"
    empty = app_client.get("/log/charts/strength.svg")
    assert empty.status_code == 200 and "Nothing to draw yet" in empty.text
    r = app_client.post("/log/import", data={"csrf": _csrf(app_client), "unit": "kg"},
                        files={"file": (csv.name, csv.read_bytes(), "text/csv")})
    assert r.status_code == 200, r.text[:300]
    assert int(re.search(r'id="sets-added">(\d+)', r.text).group(1)) > 0
    chart = app_client.get("/log/charts/strength.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "Nothing to draw yet" not in chart.text and len(chart.content) > 5000
    sessions = app_client.get("/api/log/sessions").json()["items"]
    assert sessions
    page = app_client.get(f"/log/sessions/{sessions[0]['id']}")
    assert page.status_code == 200
    r = app_client.post("/log/import", data={"csrf": _csrf(app_client)},
                        files={"file": ("x.csv", b"just,some\n1,2\n")})
    assert r.status_code in (400, 422) and "expected" in r.text
