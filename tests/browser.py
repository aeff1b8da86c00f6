"""The one browser-test tool: Playwright (sync API) driving the system Chromium.

No browser is downloaded (never ``playwright install``): Playwright launches the Debian
``chromium`` (``/usr/bin/chromium``, or ``$FORMCHECK_CHROMIUM``) through ``executable_path``.
The ``browser`` and ``page`` fixtures in ``tests/conftest.py`` build on this module; a test picks
its window size by parametrizing the ``viewport`` fixture::

    @pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=str)
    def test_layout(page, viewport): ...
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# As root in a container: no sandbox; no GPU; nothing that phones home or updates itself.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--hide-scrollbars", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required")


@dataclass(frozen=True)
class Viewport:
    """A browser window: CSS-pixel size, and whether it behaves as a phone.

    ``mobile`` makes Chromium honour ``<meta name="viewport">`` and emulate touch, as a phone
    does; without that meta tag a mobile page lays out 980 px wide.
    """

    width: int
    height: int
    mobile: bool = False

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{'-mobile' if self.mobile else ''}"


DESKTOP = Viewport(1280, 900)
PHONE = Viewport(390, 844, mobile=True)


def _missing(reason: str) -> None:
    """Skip the test, or fail it when CI requires the services (FORMCHECK_REQUIRE_SERVICES=1)."""
    if os.environ.get("FORMCHECK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"FORMCHECK_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def chromium_binary() -> str:
    """Return the Chromium to drive; skip (or fail when services are required) without one."""
    candidate = os.environ.get("FORMCHECK_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
    if found is None:
        _missing(f"no Chromium at {candidate!r} (install Debian's chromium or set "
                 "FORMCHECK_CHROMIUM)")
    assert found is not None
    return found


def playwright_sync_api() -> ModuleType:
    """Return ``playwright.sync_api``; skip (or fail in CI) when Playwright is not installed."""
    try:
        from playwright import sync_api
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
        raise  # not reached: _missing skips or fails
    return sync_api


def launch_chromium(playwright: Playwright, binary: str) -> Browser:
    """Launch ``binary`` headless with the container-safe flags."""
    return playwright.chromium.launch(executable_path=binary, headless=True,
                                      args=list(CHROMIUM_ARGS))


def new_context(browser: Browser, viewport: Viewport) -> BrowserContext:
    """Return a fresh context (own cookies, storage, media emulation) sized to ``viewport``."""
    return browser.new_context(
        viewport={"width": viewport.width, "height": viewport.height},
        is_mobile=viewport.mobile, has_touch=viewport.mobile, device_scale_factor=1,
    )
