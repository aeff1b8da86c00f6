"""Schemathesis against the app's OpenAPI schema: no generated request gets a 500, and every
error answer has the one error shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

TOKEN = "fuzz-csrf-token-0123456789"


def _app(tmp: Path):
    from formcheck.web.app import create_app
    from formcheck.web.settings import WebSettings

    return create_app(WebSettings(data_dir=tmp / "data", db_url=f"sqlite:///{tmp}/fuzz.db",
                                  max_upload_bytes=1 << 20), start_jobs=False)


# Built at import: schemathesis parametrizes from a schema object, not from a fixture here
# (its from_fixture fails with this pytest). The data folder is a fresh temporary one.
schema = schemathesis.openapi.from_asgi("/api/openapi.json",
                                        _app(Path(tempfile.mkdtemp(prefix="fc-fuzz-"))))


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_500(case) -> None:
    headers = {"X-CSRF-Token": TOKEN, "Cookie": f"fc_csrf={TOKEN}"}
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["status"] == response.status_code
