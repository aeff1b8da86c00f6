"""One error shape: ``{"error": {status, code, message, details}}`` under /api, a page elsewhere.

Every error the app raises goes through here: a :class:`WebError` (with its status and
code), a :class:`formcheck.errors.FormcheckError` from the library (bad video, bad answers,
bad set), FastAPI's validation error, an HTTP error from routing, or an unexpected one (500).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from formcheck.errors import FormcheckError, InputFileError

log = logging.getLogger("formcheck.web")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid_input",
          500: "internal_error"}


class WebError(Exception):
    """An error with an HTTP status, a stable code and a message for the lifter."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 details: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details or []


def error_document(status: int, code: str, message: str,
                   details: list[str] | None = None) -> dict[str, Any]:
    """Return the JSON error document of the app."""
    return {"error": {"status": status, "code": code, "message": message,
                      "details": details or []}}


def _respond(request: Request, err: WebError) -> Response:
    # A refused upload is still arriving: close the connection rather than read the rest.
    headers = {"Connection": "close"} if err.status == 413 else None
    if request.url.path.startswith("/api"):
        return JSONResponse(error_document(err.status, err.code, err.message, err.details),
                            status_code=err.status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html.j2", {"err": err},
                                      status_code=err.status, headers=headers)


def _library_status(exc: FormcheckError) -> int:
    return 422 if isinstance(exc, InputFileError) else 400


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one shape."""

    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(FormcheckError)
    async def _library(request: Request, exc: FormcheckError) -> Response:
        return _respond(request, WebError(_library_status(exc), str(exc),
                                          code=type(exc).__name__))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                   for e in exc.errors()]
        return _respond(request, WebError(422, "expected valid input; " + "; ".join(details),
                                          details=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else _CODES.get(exc.status_code, "error")
        return _respond(request, WebError(exc.status_code, message))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _respond(request, WebError(500, "internal error: the server log has the details"))
