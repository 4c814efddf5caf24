"""The ISB works through the structure analysis in a real browser, on the Hannover demo: a new
target object with the error summary, the dependency graph with its text alternative, a cycle
refused in the form, and the import wizard from a file with errors to the applied register.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

Login = Callable[[Any, str, str], None]
CheckAxe = Callable[[Any], list[str]]


def _open_asset(page: Any, short_id: str) -> str:
    """Find an object by its short id through the list's search; returns its detail path."""
    page.goto(f"/assets?q={short_id}")
    link = page.locator("table tbody a", has_text=short_id)
    assert link.count() == 1, f"{short_id} is not in the list"
    href: str = link.get_attribute("href")
    page.goto(href)
    return href


def _submit(page: Any, form: str) -> Any:
    with page.expect_navigation() as navigation:
        page.locator(f"{form} button[type=submit]").first.click()
    return navigation.value


def test_new_object_form_reports_every_missing_field(
    page: Any, demo: str, login: Login, check_axe: CheckAxe
) -> None:
    login(page, "isb", demo)
    page.goto("/assets/new")
    response = _submit(page, "form[action='/assets/new']")
    assert response.status == 400
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    for name in ("short_id", "name", "category_id", "department_id"):
        assert summary.locator(f"a[href='#field-{name}']").count() == 1, name
        field = page.locator(f"#field-{name}")
        assert field.get_attribute("aria-invalid") == "true", name
        assert f"field-{name}-error" in (field.get_attribute("aria-describedby") or ""), name
    assert check_axe(page) == []

    # Filled in properly, the object is created and shown with its protection requirement.
    page.locator("#field-short_id").fill("Z-900")
    page.locator("#field-name").fill("Parkleitsystem")
    page.locator("#field-category_id").select_option(label="Anwendungen")
    page.locator("#field-department_id").select_option(label="Verkehr und Tiefbau")
    page.locator("#field-quantity").fill("3")
    response = _submit(page, "form[action='/assets/new']")
    assert response.status == 200
    assert page.locator("main h1").inner_text() == "Z-900 Parkleitsystem"
    assert page.locator("p.notice[role=status]").is_visible()


def test_detail_page_explains_inheritance_with_an_accessible_graph(
    page: Any, demo: str, login: Login, check_axe: CheckAxe
) -> None:
    login(page, "isb", demo)
    _open_asset(page, "Z-058")  # the file server, raised by Kumulationseffekt
    # A named group of links (not role=img, which must not hold focusable links), described by
    # a sentence that says in words what the picture shows.
    graph = page.locator("svg.dependency-graph")
    assert graph.get_attribute("role") == "group"
    for attribute in ("aria-labelledby", "aria-describedby"):
        ref = graph.get_attribute(attribute)
        assert ref and page.locator(f"svg #{ref}").text_content(), f"{attribute} is empty"
    assert "Z-058" in (graph.locator("title").first.text_content() or "")
    # Every node of the graph links to its object, so the graph is navigable by keyboard.
    assert graph.locator("a").count() >= 2
    assert "Kumulationseffekt" in page.locator("main").inner_text()
    assert check_axe(page) == []

    # The overview, narrowed to deviations from the Maximumprinzip, lists them with reasons.
    page.goto("/assets/protection")
    page.locator("#f-overridden").select_option(label="nur mit Abweichung")
    _submit(page, "form.filter-form")
    rows = page.locator("table tbody tr")
    assert sorted(rows.locator("th a").all_inner_texts()) == ["Z-008", "Z-058"]
    text = page.locator("table").inner_text()
    assert "Kumulationseffekt" in text and "Verteilungseffekt" in text
    assert check_axe(page) == []


def test_a_cycle_is_refused_in_the_form_without_javascript(
    no_js_page: Any, demo: str, login: Login
) -> None:
    page = no_js_page
    login(page, "isb", demo)
    # The traffic server room is at the bottom of the chain: making it depend on the traffic
    # management process closes a cycle, which the form names.
    process = _open_asset(page, "Z-001")
    assert process
    room = _open_asset(page, "Z-010")
    page.locator("#field-dependency").fill("Z-001")
    response = _submit(page, f"form[action='{room}/dependencies']")
    assert response.status == 409
    message = page.locator("#field-dependency-error").inner_text()
    assert "Z-010" in message and "Z-001" in message and "→" in message
    assert page.locator("#field-dependency").get_attribute("aria-invalid") == "true"


def test_import_wizard_shows_errors_then_applies(
    page: Any, demo: str, login: Login, check_axe: CheckAxe, tmp_path: Path
) -> None:
    login(page, "isb", demo)
    header = "Kennung;Name;Kategorie;Organisationseinheit;Anzahl\r\n"
    broken = tmp_path / "fehler.csv"
    broken.write_bytes(
        (
            header + "Z-901;Pumpwerk Nord;Raumschiffe;SE;1\r\nZ-902;Messstelle;Räume;SE;viele\r\n"
        ).encode("cp1252")
    )
    page.goto("/assets/import")
    page.locator("#field-file").set_input_files(str(broken))
    response = _submit(page, "form[action='/assets/import']")
    assert response.status == 400
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "Raumschiffe" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().startswith("3")
    assert check_axe(page) == []
    page.goto("/assets?q=Z-901")
    assert page.locator("table tbody a", has_text="Z-901").count() == 0, "nothing is written"

    good = tmp_path / "gut.csv"
    good.write_bytes((header + "Z-901;Pumpwerk Nord;Räume;SE;1\r\n").encode("utf-8-sig"))
    page.goto("/assets/import")
    page.locator("#field-file").set_input_files(str(good))
    response = _submit(page, "form[action='/assets/import']")
    assert response.status == 200
    assert "Z-901" in page.locator("main").inner_text()
    assert check_axe(page) == []
    _submit(page, "form[action='/assets/import/confirm']")
    _open_asset(page, "Z-901")
    assert page.locator("main h1").inner_text() == "Z-901 Pumpwerk Nord"
