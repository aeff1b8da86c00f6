"""A minimal DevTools-protocol client for headless Chromium over --remote-debugging-pipe.

Chromium reads NUL-terminated JSON commands on fd 3 and writes replies/events on fd 4, so no
websocket library is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio", "--autoplay-policy=no-user-gesture-required")


class Chromium:
    """One headless Chromium with a fresh profile, driven through the DevTools pipe."""

    def __init__(self, binary: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="formcheck-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=lambda: _wire(to_chrome_r, from_chrome_w),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._buf = b""
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             timeout: float = 60.0, session: bool = True) -> dict[str, Any]:
        """Send one command and return its result (raise on a protocol error)."""
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def open_page(self, url: str) -> None:
        """Open ``url`` in a new tab and attach to it."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})
        self.evaluate("new Promise(r => document.readyState === 'complete' ? r(1) :"
                      " addEventListener('load', () => r(1)))")

    def evaluate(self, expression: str, timeout: float = 60.0) -> Any:
        """Return the value of a JavaScript expression (promises are awaited)."""
        res = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def screenshot(self, width: int, path: Path) -> dict[str, int]:
        """Write a full-page PNG at viewport ``width``; return the page's layout widths."""
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
        dims = self.evaluate("({scroll: document.documentElement.scrollWidth,"
                             " client: document.documentElement.clientWidth,"
                             " height: document.documentElement.scrollHeight})")
        shot = self.send("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True,
                          "clip": {"x": 0, "y": 0, "width": width,
                                   "height": min(int(dims["height"]), 12000), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        return dims

    def close(self) -> None:
        """Stop this Chromium (only the process this object started)."""
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", session=False, timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()


def _wire(read_fd: int, write_fd: int) -> None:
    # In the child: put the command pipe on fd 3 and the reply pipe on fd 4 (via fds above
    # both, so neither is clobbered when one of them already sits on 3 or 4).
    r, w = os.dup(read_fd), os.dup(write_fd)
    os.dup2(r, 3)
    os.dup2(w, 4)
