"""The FastAPI application: settings, database, job queue, templates, routes, docs page.

:func:`create_app` builds it; ``formcheck serve`` runs it under uvicorn. Pages and the JSON
API under ``/api`` share the same library calls; errors take the one shape of
:mod:`formcheck.web.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from formcheck import __version__
from formcheck.log.db import open_database
from formcheck.web.errors import install_error_handlers
from formcheck.web.runner import JobRunner
from formcheck.web.security import SecurityMiddleware
from formcheck.web.settings import WebSettings

WEB_DIR = Path(__file__).resolve().parent


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Return the page ``name`` rendered with ``context`` plus the request's CSRF token."""
    ctx = {"csrf": getattr(request.state, "csrf", ""), "version": __version__,
           **(context or {})}
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def _report_css() -> str:
    return resources.files("formcheck.report").joinpath("templates/report.css").read_text("utf-8")


def create_app(settings: WebSettings | None = None, *, start_jobs: bool = True) -> FastAPI:
    """Return the web app for ``settings`` (checked; the database opened and migrated).

    ``start_jobs=False`` leaves the job queue stopped (uploads stay queued), for tests of
    the pages alone.
    """
    s = (settings or WebSettings()).checked()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(s.db_url)
    runner = JobRunner(db, s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_jobs:
            app.state.recovered = runner.start()
        try:
            yield
        finally:
            runner.stop()
            db.close()

    app = FastAPI(title="formcheck", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  description="Form analysis of squat and deadlift videos, soreness triage "
                              "and a training log. Every state-changing request needs the "
                              "CSRF token: the fc_csrf cookie echoed in X-CSRF-Token.")
    app.state.settings, app.state.db, app.state.runner = s, db, runner
    app.state.recovered = []
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    app.state.templates = templates
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")

    @app.get("/static-report/report.css", include_in_schema=False)
    def report_css() -> Response:
        return Response(_report_css(), media_type="text/css")

    @app.get("/api/csrf", tags=["meta"])
    def csrf_token(request: Request) -> dict[str, str]:
        """Return the CSRF token to send as X-CSRF-Token (the fc_csrf cookie is set too)."""
        return {"csrf": request.state.csrf, "header": "X-CSRF-Token"}

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html.j2", {"schema": app.openapi()})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True, "running": len(runner.running)})

    from formcheck.web import pages_analysis, pages_log, pages_triage

    app.include_router(pages_analysis.router)
    app.include_router(pages_triage.router)
    app.include_router(pages_log.router)
    app.add_middleware(SecurityMiddleware, token=s.token)
    return app
