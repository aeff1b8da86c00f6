"""The web app in process: security headers, CSRF, one error shape, uploads refused early,
file serving by id only, the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.web.security import CSP

from .conftest import SHORT_CLIP


def _csrf(client) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies.get("fc_csrf")}


def _stored(client) -> list[Path]:
    data = client.app.state.settings.data_dir
    return [p for p in data.rglob("*") if p.is_file()]


def _all_routes(routes):
    # FastAPI keeps included routers as one entry each; walk into them.
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _all_routes(inner.routes)
        else:
            yield r


def test_pages_carry_security_headers_and_no_inline_script(app_client) -> None:
    for path in ("/", "/analyses", "/api/docs", "/api/openapi.json"):
        r = app_client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        if path != "/api/openapi.json":
            assert "<script>" not in r.text and "http://" not in r.text.replace(
                "http://www.w3.org", "")


def test_every_state_changing_route_refuses_a_request_without_csrf(app_client) -> None:
    routes = [r for r in _all_routes(app_client.app.routes) if getattr(r, "methods", None)]
    unsafe = [(m, r.path) for r in routes for m in r.methods if m not in ("GET", "HEAD")]
    assert len(unsafe) >= 5
    for method, path in unsafe:
        url = path.replace("{job_id}", "0" * 32).replace("{triage_id}", "1").replace(
            "{session_id}", "1")
        r = app_client.request(method, url, data={"x": "1"}, headers={"X-CSRF-Token": "wrong"})
        assert r.status_code == 403, (method, path, r.text)
        r = app_client.request(method, url, data={"x": "1"})
        assert r.status_code == 403, (method, path)
    r = app_client.post("/api/analyses", files={"video": ("a.mp4", b"x" * 10)})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"


def test_a_form_upload_needs_the_csrf_field_before_the_file(app_client) -> None:
    good = {"csrf": app_client.cookies.get("fc_csrf"), "lift": "auto"}
    r = app_client.post("/analyses", data=good, files={"video": ("a.mp4", b"not a video")})
    assert r.status_code == 422 and "not a video" in r.text
    r = app_client.post("/analyses", data={"csrf": "forged-token-xxxxxxxx"},
                        files={"video": ("a.mp4", b"not a video")})
    assert r.status_code == 403
    assert _stored(app_client) == []


def test_errors_have_one_json_shape_under_api(app_client) -> None:
    cases = [app_client.get("/api/jobs/" + "0" * 32), app_client.get("/api/nope"),
             app_client.get("/api/analyses?limit=0"),
             app_client.get("/api/analyses?date_from=yesterday"),
             app_client.post("/api/jobs/zz/cancel", headers=_csrf(app_client))]
    for r in cases:
        body = r.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"status", "code", "message", "details"}
        assert body["error"]["status"] == r.status_code >= 400


@pytest.mark.parametrize("name, content, status, words", [
    ("notes.mp4", b"these are my notes, not a video\n" * 50, 422, "not a video"),
    ("empty.mp4", b"", 400, "expected a video file"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app_client, name, content, status,
                                                        words) -> None:
    r = app_client.post("/api/analyses", files={"video": (name, content, "video/mp4")},
                        headers=_csrf(app_client))
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]
    assert _stored(app_client) == []
    assert app_client.get("/api/analyses").json()["items"] == []


def test_a_truncated_mp4_is_refused_with_its_own_name(app_client) -> None:
    if not SHORT_CLIP.exists():
        pytest.skip("shared clips not found")
    cut = SHORT_CLIP.read_bytes()[: 200_000]
    r = app_client.post("/api/analyses", files={"video": ("cut.mp4", cut)},
                        headers=_csrf(app_client))
    assert r.status_code == 422, r.text
    assert "cut.mp4" in r.json()["error"]["message"]
    assert _stored(app_client) == []


def test_an_oversize_upload_fails_with_413_before_it_is_all_read(app_client) -> None:
    limit = app_client.app.state.settings.max_upload_bytes
    def body():
        boundary = b"--XyZ"
        yield boundary + b'\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"'
        yield b"\r\nContent-Type: video/mp4\r\n\r\n"
        for _ in range(limit // (1 << 20) * 4):
            yield b"\0" * (1 << 20)
        yield b"\r\n" + boundary + b"--\r\n"

    headers = {**_csrf(app_client), "Content-Type": "multipart/form-data; boundary=XyZ"}
    r = app_client.post("/api/analyses", content=body(), headers=headers)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    # (TestClient sends the whole body first; test_web_server checks the early refusal.)
    assert _stored(app_client) == []
    declared = {**headers, "Content-Length": str(limit * 3)}
    r = app_client.post("/api/analyses", content=b"x" * 10, headers=declared)
    assert r.status_code == 413


def test_bad_options_name_each_problem_and_store_nothing(app_client) -> None:
    if not SHORT_CLIP.exists():
        pytest.skip("shared clips not found")
    r = app_client.post("/api/analyses", headers=_csrf(app_client),
                        data={"lift": "bench", "height_cm": "20", "thresholds": "nope"},
                        files={"video": ("a.mp4", SHORT_CLIP.read_bytes())})
    assert r.status_code == 400
    assert "KEY=NUMBER" in r.json()["error"]["message"]
    assert _stored(app_client) == []


@pytest.mark.parametrize("path", [
    "/files/../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd",
    "/files/" + "0" * 32 + "/..%2f..%2fweb.db", "/files/" + "0" * 32 + "/annotated.mp4",
    "/files/..%2f..%2f/annotated.mp4", "/analyses/..%2f..%2fetc", "/static/../web/app.py",
    "/static/..%2fapp.py",
])
def test_traversal_attempts_are_404(app_client, path) -> None:
    r = app_client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "import" not in r.text


def test_openapi_schema_lists_the_api(app_client) -> None:
    paths = app_client.get("/api/openapi.json").json()["paths"]
    for p in ("/api/analyses", "/api/jobs/{job_id}", "/api/analyses/{job_id}"):
        assert p in paths
    assert all(p.startswith("/api/") for p in paths)
    docs = app_client.get("/api/docs").text
    assert "/api/jobs/{job_id}" in docs


def test_history_pages_by_fifty(app_client) -> None:
    from formcheck.web import jobs

    db = app_client.app.state.db
    for i in range(60):
        jobs.create_job(db, jobs.new_job_id(), filename=f"clip{i}.mp4", size_bytes=1,
                        duration_s=1.0, options={})
    first = app_client.get("/analyses")
    assert first.text.count('class="row"') == 50 and 'id="older"' in first.text
    second = app_client.get("/analyses?page=2")
    assert second.text.count('class="row"') == 10 and 'id="older"' not in second.text
    assert app_client.get("/analyses?page=0").status_code == 422
