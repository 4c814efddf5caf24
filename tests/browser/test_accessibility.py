"""A newcomer at the city uses the UI in a real browser: every page passes axe-core (WCAG 2.1
A/AA), works by keyboard and without JavaScript, and speaks German unless asked for English.

The tour of the demo roles is one test (the demo is loaded once; hashing its passwords is slow);
its message lists every violation of every role and page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from isms.identity.models import Role
from tests.factories import PASSWORD, make_department, make_user

pytestmark = pytest.mark.browser

Login = Callable[[Any, str, str], None]
CheckAxe = Callable[[Any], list[str]]
AssertAccessible = Callable[[Any], None]

KERNEL_NAV = {"/", "/admin/users", "/admin/departments", "/audit"}
NAV_BY_ROLE = {  # the demo user of each role and the kernel pages in its navigation
    "isb": KERNEL_NAV,
    "dpo": {"/"},
    "auditor": KERNEL_NAV,
    "admin": {"/", "/admin/users", "/admin/departments"},
    "verkehr": {"/"},
}
ASSET_EDITORS = {"isb", "verkehr"}
SCREENSHOT = "/tmp/isms-dashboard.png"  # noqa: S108  (a fixed path for humans to look at)


def _path(page: Any) -> str:
    return "/" + page.url.split("://", 1)[-1].split("/", 1)[-1]


def _lang(page: Any) -> str | None:
    lang: str | None = page.locator("html").get_attribute("lang")
    return lang


def _h1(page: Any) -> str:
    text: str = page.locator("main h1").inner_text()
    return text


def _nav_links(page: Any) -> list[str]:
    hrefs: list[str] = page.locator("nav.main-nav a").evaluate_all(
        "links => links.map((a) => a.getAttribute('href'))"
    )
    return hrefs


def _submit(page: Any, form: str) -> Any:
    """Click the submit button of the form the selector matches; returns the final response."""
    with page.expect_navigation() as navigation:
        page.locator(f"{form} button[type=submit]").click()
    return navigation.value


def _focused_is_error_summary(page: Any) -> bool:
    focused: bool = page.evaluate(
        "() => document.activeElement.classList.contains('error-summary')"
    )
    return focused


def _first_edit_link(page: Any, listing: str) -> str:
    """The href of the first record's edit link on a list page."""
    page.goto(listing)
    href: str = page.locator(f"table a[href^='{listing}/']").first.get_attribute("href")
    return href


def _first_link(page: Any, listing: str, selector: str) -> str:
    """The href of the first link the selector finds on a page."""
    page.goto(listing)
    href: str = page.locator(selector).first.get_attribute("href")
    return href


def _tour(page: Any, username: str, check_axe: CheckAxe) -> list[str]:
    """Visit every page the role can reach; return the axe violations found on them."""
    assert _path(page) == "/", f"{username}: not on the dashboard after login"
    assert _lang(page) == "de", username
    assert _h1(page) == "Übersicht", username
    if username == "admin":
        page.screenshot(path=SCREENSHOT, full_page=True)  # for humans, not asserted

    nav = _nav_links(page)
    assert {h for h in nav if h in KERNEL_NAV} == NAV_BY_ROLE[username], f"{username}: {nav}"
    pages = [*nav, "/account/password", "/api/docs"]
    if username == "admin":
        pages += ["/admin/users/new", "/admin/departments/new"]
        pages.append(_first_edit_link(page, "/admin/departments"))
        pages.append(_first_edit_link(page, "/admin/users"))
    if "/assets" in nav:
        # The register, one object's detail page (with its dependency graph) and the overview.
        detail = _first_edit_link(page, "/assets")
        pages += ["/assets?level=sehr+hoch&kritis=ja", "/assets/protection", detail]
        if username in ASSET_EDITORS:
            pages += ["/assets/new", f"{detail}/edit"]
        if username == "isb":
            pages += [f"{detail}/protection", "/assets/import"]
    if "/check" in nav:
        # The check with its progress, filtered by an overdue filter, one entry's form; a
        # catalog with its practices, a control with its mappings; evidence.
        entry = _first_link(page, "/check", "table.check-table a[href^='/check/']")
        catalog = _first_link(page, "/catalogs", "table a[href^='/catalogs/']")
        control = _first_link(page, catalog, "table a[href^='/controls/']")
        pages += ["/check?overdue=ja", entry, catalog, control]
        if username == "isb":
            pages += ["/soa/5.1", f"/check{detail}/modelling"]
    if "/risks" in nav:
        # The register, the heat map (after treatment too), the objects to analyse, the threats,
        # one risk with its measures and history, one object's threat overview, the plan.
        risk = _first_link(page, "/risks", "table a[href^='/risks/']")
        pages += ["/risks/heatmap", "/risks/heatmap?basis=residual", "/risks/analysis"]
        pages += ["/threats", risk, "/plan?overdue=ja", f"/risks{detail}/threats"]
        if username == "isb":
            pages += ["/risks/new", f"{risk}/accept"]
    if "/reviews" in nav:
        # The inbox, one task (with its answer or decision form), the overview, the policies.
        task = _first_link(page, "/reviews?state=alle", "table a[href^='/reviews/']")
        pages += [task, "/reviews/overview", "/reviews/policies", "/notifications"]
        if username == "isb":
            answered = _first_link(page, "/reviews?state=beantwortet", "table a[href^='/reviews/']")
            pages.append(answered)
    if "/incidents" in nav and username in ("isb", "dpo", "auditor", "entwaesserung"):
        # The register with all incidents, one incident with its deadlines (the demo's KRITIS
        # incident of the drainage control system is the newest).
        incident = _first_link(page, "/incidents?state=alle", "table a[href^='/incidents/']")
        pages += ["/incidents?state=alle&breach=ja", incident]
        if username != "auditor":
            pages += ["/incidents/new", f"{incident}/edit"]
    if "/processing-activities" in nav:
        # The record, one entry with its measures (and the threshold form), the guided form;
        # the impact assessments and one with its steps.
        activity = _first_link(
            page, "/processing-activities", "table a[href^='/processing-activities/']"
        )
        pages += ["/processing-activities?dpia_required=ja", activity]
        if username in ("dpo", "entwaesserung"):
            pages += ["/processing-activities/new", f"{activity}/edit"]
        if username in ("isb", "dpo", "auditor"):
            pages.append(_first_link(page, "/dpias", "table a[href^='/dpias/']"))
        pages.append("/dpias/criteria")

    problems: list[str] = []
    for href in pages:
        response = page.goto(href)
        where = f"{username} on {href}"
        assert response is not None, where
        assert response.status == 200, f"{where}: HTTP {response.status}"
        assert _lang(page) == "de", where
        assert page.locator("main h1").count() == 1, f"{where}: not exactly one h1"
        if href in nav:
            current = page.locator("nav.main-nav a[aria-current=page]")
            assert current.count() == 1, f"{where}: the current page is not marked in the nav"
            assert current.get_attribute("href") == href, where
        problems += [f"[{username}] {p}" for p in check_axe(page)]

    if "/admin/users" not in NAV_BY_ROLE[username]:
        # A role without access gets the error page, which must be accessible as well.
        response = page.goto("/admin/users")
        assert response is not None
        assert response.status == 403, f"{username} on /admin/users: HTTP {response.status}"
        problems += [f"[{username}] {p}" for p in check_axe(page)]

    # Log out through the header button; the login page then confirms it.
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Abmelden").click()
    assert _path(page) == "/login?logged_out=1", username
    assert page.locator("p.notice[role=status]").inner_text() == "Sie wurden abgemeldet."
    problems += [f"[{username}] {p}" for p in check_axe(page)]
    return problems


def test_every_page_of_every_demo_role_passes_axe(
    page: Any, demo: str, login: Login, check_axe: CheckAxe
) -> None:
    page.goto("/login")
    assert _lang(page) == "de"
    problems = [f"[anonymous] {p}" for p in check_axe(page)]
    for username in NAV_BY_ROLE:
        login(page, username, demo)
        problems += _tour(page, username, check_axe)
    assert not problems, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(problems)


def test_login_page_and_failed_login_pass_axe(
    page: Any, engine: Engine, assert_accessible: AssertAccessible
) -> None:
    make_user(engine, role=Role.ADMIN, username="admin")
    page.goto("/login")
    assert _lang(page) == "de"
    assert _h1(page) == "Anmelden"
    assert_accessible(page)

    response = _submit(page, "form[action='/login']")  # nothing filled in
    assert response.status == 400
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#field-username").get_attribute("aria-invalid") == "true"
    assert page.locator("#field-password").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill("wrong-password-123")
    response = _submit(page, "form[action='/login']")
    assert response.status == 401
    assert "Benutzername oder Passwort ist falsch." in page.locator(".error-summary").inner_text()
    # app.js moves the focus to the summary so that screen readers announce it.
    assert _focused_is_error_summary(page)
    assert page.locator("input[name=username]").input_value() == "admin"
    assert_accessible(page)


def test_forms_with_error_summary_pass_axe(
    page: Any, engine: Engine, login: Login, check_axe: CheckAxe
) -> None:
    make_department(engine, code="VT", name="Verkehr und Tiefbau")
    make_department(engine, code="SE", name="Stadtentwässerung")
    make_user(engine, role=Role.ADMIN, username="admin")
    login(page, "admin", PASSWORD)
    forms = {
        "/admin/departments/new": ["code", "name"],
        "/admin/users/new": ["username", "full_name", "password"],
        "/account/password": ["current_password"],
    }
    problems: list[str] = []
    for form_page, fields in forms.items():
        page.goto(form_page)
        response = _submit(page, f"form[action='{form_page}']")  # empty fields
        assert response.status == 400, form_page
        summary = page.locator(".error-summary")
        assert summary.is_visible(), form_page
        assert _focused_is_error_summary(page), form_page
        for name in fields:
            where = f"{form_page} field {name}"
            assert summary.locator(f"a[href='#field-{name}']").count() == 1, where
            field = page.locator(f"#field-{name}")
            assert field.get_attribute("aria-invalid") == "true", where
            described = (field.get_attribute("aria-describedby") or "").split()
            assert f"field-{name}-error" in described, where
            assert page.locator(f"#field-{name}-error").is_visible(), where
        problems += check_axe(page)
    assert not problems, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(problems)


def test_login_and_a_form_work_without_javascript(
    no_js_page: Any, engine: Engine, login: Login
) -> None:
    page = no_js_page
    make_user(engine, role=Role.ADMIN, username="admin")
    login(page, "admin", PASSWORD)
    assert _h1(page) == "Übersicht"
    for href in _nav_links(page):
        response = page.goto(href)
        assert response is not None
        assert response.status == 200, href

    page.goto("/admin/departments/new")
    page.locator("#field-code").fill("OA")
    page.locator("#field-name").fill("Ordnungsamt")
    page.locator("#field-description").fill("Ohne JavaScript angelegt")
    response = _submit(page, "form[action='/admin/departments/new']")
    assert response.status == 200
    assert _path(page) == "/admin/departments?saved=1"
    assert page.locator("p.notice[role=status]").is_visible()
    row = page.locator("table tbody tr", has_text="Ordnungsamt")
    assert row.count() == 1
    assert "OA" in row.inner_text()

    # The server reports errors by itself (there is no client-side validation to rely on).
    page.goto("/admin/departments/new")
    response = _submit(page, "form[action='/admin/departments/new']")
    assert response.status == 400
    assert page.locator(".error-summary").is_visible()


def test_language_switch_to_english_and_back(
    page: Any, engine: Engine, login: Login, assert_accessible: AssertAccessible
) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    login(page, "isb", PASSWORD)
    assert _lang(page) == "de"
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert _path(page) == "/"
    assert _lang(page) == "en"
    assert _h1(page) == "Dashboard"
    assert page.locator("nav.main-nav").get_attribute("aria-label") == "Main navigation"
    assert_accessible(page)

    page.goto("/admin/departments")
    assert _lang(page) == "en"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Deutsch").click()
    assert _path(page) == "/admin/departments"
    assert _lang(page) == "de"
    assert _h1(page) == "Organisationseinheiten"


def test_tab_first_focuses_the_skip_link(page: Any) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, text: document.activeElement.textContent,"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "skip-link", "text": "Zum Inhalt springen", "href": "#main"}
    box = page.locator("a.skip-link").bounding_box()
    assert box is not None
    assert box["y"] >= 0, "the focused skip link is not on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
