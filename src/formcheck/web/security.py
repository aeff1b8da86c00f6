"""Access token, CSRF and security headers, as one ASGI middleware in front of the app.

- Token: on a non-loopback host every request needs the token printed at start-up, as
  ``?token=`` (then kept in a cookie), a ``fc_token`` cookie or ``Authorization: Bearer``.
- CSRF: double-submit. Every response without the ``fc_csrf`` cookie sets one; a
  state-changing request must echo it in the ``X-CSRF-Token`` header or a ``csrf`` form
  field. A multipart upload without the header is passed on marked ``csrf_pending`` and
  the streaming parser requires the field before any file byte is stored.
- Headers: a Content-Security-Policy that allows only this origin (no inline script),
  nosniff, no framing, no referrer.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "fc_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
TOKEN_COOKIE = "fc_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_FORM_BYTES = 1 << 20  # an urlencoded form larger than this is not one of ours
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header counts as no cookies
        return {}
    return {k: m.value for k, m in jar.items()}


def error_body(status: int, code: str, message: str) -> bytes:
    """Return the app's one JSON error shape as bytes (see :mod:`formcheck.web.errors`)."""
    doc = {"error": {"status": status, "code": code, "message": message, "details": []}}
    return json.dumps(doc).encode()


class SecurityMiddleware:
    """Check the token and the CSRF token; add the security headers to every response."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        cookies = _cookies(headers)
        extra: list[tuple[bytes, bytes]] = []
        csrf = cookies.get(CSRF_COOKIE, "")
        if len(csrf) < 16:
            csrf = secrets.token_urlsafe(24)
            extra.append(_cookie(CSRF_COOKIE, csrf, http_only=False))
        scope.setdefault("state", {})["csrf"] = csrf
        send = _with_headers(send, extra)
        if self.token is not None:
            given = self._token_given(scope, headers, cookies)
            if given is None or not secrets.compare_digest(given, self.token):
                await _refuse(scope, send, 401, "unauthorized",
                              "expected the access token printed by `formcheck serve` "
                              "(open the URL it printed, with ?token=...)")
                return
            if cookies.get(TOKEN_COOKIE) != self.token:
                extra.append(_cookie(TOKEN_COOKIE, self.token, http_only=True))
        if scope["method"] not in SAFE_METHODS:
            checked = await self._check_csrf(scope, receive, send, headers, cookies)
            if checked is None:
                return
            receive = checked
        await self.app(scope, receive, send)

    def _token_given(self, scope: Scope, headers: dict[str, str],
                     cookies: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0]
        return cookies.get(TOKEN_COOKIE)

    async def _check_csrf(self, scope: Scope, receive: Receive, send: Send,
                          headers: dict[str, str], cookies: dict[str, str]) -> Receive | None:
        """Return the receive channel to go on with, or None after refusing with 403."""
        expected = cookies.get(CSRF_COOKIE, "")
        header = headers.get(CSRF_HEADER, "")
        if expected and header and secrets.compare_digest(header, expected):
            return receive
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if expected and kind == "multipart/form-data":
            scope["state"]["csrf_pending"] = expected
            return receive
        if expected and kind == "application/x-www-form-urlencoded":
            body = await _read_body(receive, MAX_FORM_BYTES)
            fields = parse_qs(body.decode("utf-8", "replace")) if body is not None else {}
            value = (fields.get(CSRF_FIELD) or [""])[0]
            if value and secrets.compare_digest(value, expected):
                return _replay(body or b"")
        await _refuse(scope, send, 403, "csrf_failed",
                      "expected the CSRF token (cookie fc_csrf echoed in the X-CSRF-Token "
                      "header or the csrf form field); reload the page and try again")
        return None


def _cookie(name: str, value: str, *, http_only: bool) -> tuple[bytes, bytes]:
    flags = "; HttpOnly" if http_only else ""
    return b"set-cookie", f"{name}={value}; Path=/; SameSite=Strict{flags}".encode()


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            headers = list(message.get("headers", []))
            headers += [h for h in SECURITY_HEADERS if h[0] not in names]
            headers += extra
            message["headers"] = headers
        await send(message)

    return wrapped


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    if scope["path"].startswith("/api"):
        body, kind = error_body(status, code, message), b"application/json"
    else:
        title = {401: "Access token needed", 403: "Form expired"}.get(status, "Refused")
        body = (f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>{title}</title>"
                f"<h1>{title}</h1><p>{message}</p></html>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
