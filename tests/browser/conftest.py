"""Browser fixtures: the app served by uvicorn, Debian's chromium driven by Playwright, axe-core.

Nothing is downloaded: the browser is /usr/bin/chromium and axe-core comes from the CI cache
(`npm install --prefix .ci-cache axe-core@4`) or ISMS_AXE_JS. When either is missing the tests
are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from isms.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(os.environ.get("ISMS_AXE_JS") or ROOT / ".ci-cache/node_modules/axe-core/axe.min.js")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these chromium hangs on the closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "Demo-Passwort-2026"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    """Fail under CI (the pipeline must provide the tool), skip on a developer machine."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# --- tools ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        _unavailable(
            f"axe-core not found at {AXE_JS} "
            "(run `npm install --prefix .ci-cache axe-core@4` or set ISMS_AXE_JS)"
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    playwright = sync_playwright().start()
    try:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        _unavailable(f"chromium at {CHROMIUM} does not start: {exc}")
    yield instance
    instance.close()
    playwright.stop()


# --- the app --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app on 127.0.0.1 in a background thread; yields its base URL."""
    from isms.app import create_app

    app = create_app(settings, engine=engine, run_scheduler=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="isms-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the live server did not start", pytrace=False)
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def demo(engine: Engine) -> str:
    """The demo organisation (departments VT, SE, ...; users isb, dpo, ...), its information
    domain (69 target objects) and the BSI catalogs modelled onto it with a check in progress
    (all from ../shared); yields the password."""
    from isms import demo as demo_data

    demo_data.load(engine, password=DEMO_PASSWORD)
    catalogs = ROOT.parent / "shared/catalogs/bsi-stand-der-technik"
    demo_data.load_assets(engine, catalog_dir=catalogs)
    demo_data.load_catalogs(engine, catalog_dir=catalogs)
    demo_data.load_risks(engine, catalog_dir=catalogs)
    demo_data.load_privacy(engine)
    demo_data.load_reviews(engine)
    return DEMO_PASSWORD


# --- pages ----------------------------------------------------------------------------------


def _new_context(browser: Any, base_url: str, **options: Any) -> Any:
    # A German-speaking browser, as at the city: the UI must come up in German.
    context = browser.new_context(base_url=base_url, locale="de-DE", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser profile (own cookies) per test."""
    ctx = _new_context(browser, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def no_js_page(browser: Any, live_server: str) -> Iterator[Any]:
    """A page in a profile with JavaScript switched off."""
    ctx = _new_context(browser, live_server, java_script_enabled=False)
    yield ctx.new_page()
    ctx.close()


def login_through_form(page: Any, username: str, password: str) -> None:
    """Log in through the real login form, as a person would; fails if the login is refused."""
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    if page.url.split("?")[0].endswith("/login"):
        summary = page.locator(".error-summary")
        detail = summary.inner_text() if summary.count() else page.content()[:500]
        pytest.fail(f"login as {username!r} was refused: {detail}", pytrace=False)


@pytest.fixture
def login() -> Callable[[Any, str, str], None]:
    """login(page, username, password) through the login form."""
    return login_through_form


# --- axe ------------------------------------------------------------------------------------

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), html: n.html,
                                summary: n.failureSummary || ''})),
  }));
}"""


def axe_violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, one readable block each.

    axe is defined by page.evaluate, which the page's CSP (script-src 'self') does not block.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    violations = page.evaluate(_RUN_AXE, AXE_TAGS)
    where = page.url.split("://", 1)[-1].split("/", 1)[-1]
    blocks = []
    for v in violations:
        lines = [f"/{where}: {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})"]
        for node in v["nodes"]:
            lines.append(f"    target: {' '.join(node['target'])}")
            lines.append(f"      html: {node['html'][:200]}")
            summary = " ".join(node["summary"].split())
            if summary:
                lines.append(f"      why:  {summary[:300]}")
        blocks.append("\n".join(lines))
    return blocks


@pytest.fixture
def check_axe(axe_source: str) -> Callable[[Any], list[str]]:
    """check_axe(page): the violations on the current page (empty when it passes)."""

    def _check(page: Any) -> list[str]:
        return axe_violations(page, axe_source)

    return _check


@pytest.fixture
def assert_accessible(check_axe: Callable[[Any], list[str]]) -> Callable[[Any], None]:
    """assert_accessible(page): fail with every axe violation on the current page."""

    def _assert(page: Any) -> None:
        found = check_axe(page)
        assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)

    return _assert
