"""Catalog pages: versions and mappings, import with notices and error summaries, migration,
the modelling switch, browsing and searching a catalog, one control with its mappings."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from controls.catalogs import service
from controls.catalogs.models import Catalog, Control
from controls.check import modelling
from controls.check.models import CheckEntry
from isms.database import session_scope
from tests.conftest import csrf_from
from tests.controls.conftest import ISO, ISO_MAPPING, METHODIK, Org


def _catalog(engine: Engine, catalog_id: int) -> Catalog:
    with session_scope(engine, write=False) as session:
        catalog = session.get(Catalog, catalog_id)
        assert catalog is not None
        return catalog


def _control_id(engine: Engine, catalog_id: int, ref: str) -> int:
    with session_scope(engine, write=False) as session:
        control = session.scalars(
            select(Control).where(Control.catalog_id == catalog_id, Control.ref == ref)  # type: ignore[arg-type]
        ).one()
        return control.id or 0


def _import(client: TestClient, name: str, data: bytes, csrf: str | None = None) -> object:
    token = csrf or csrf_from(client.get("/catalogs").text)
    return client.post(
        "/catalogs/import",
        data={"csrf_token": token},
        files={"file": (name, data, "application/json")},
        follow_redirects=False,
    )


def _one_h1(html: str) -> None:
    assert html.count("<h1") == 1


def test_the_list_shows_versions_and_mappings_to_every_reader(
    client: TestClient, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("verkehr")
    page = client.get("/catalogs")
    assert page.status_code == 200
    _one_h1(page.text)
    for title in ("BSI Stand der Technik Kernel", "BSI Methodik Grundschutz++"):
        assert title in page.text
    assert "ISO/IEC 27001:2022 Annex A Catalog" in page.text
    assert ">901<" in page.text  # controls including sub-controls
    assert "aktiv" in page.text and "<caption>" in page.text
    assert 'href="/catalogs"' in page.text and 'aria-current="page"' in page.text
    assert 'action="/catalogs/import"' not in page.text, "only the ISB imports"
    assert "/activate" not in page.text and "/modelled" not in page.text
    # the mapping collection with its entries
    assert "Mapping" in page.text and "isms catalog import --official" not in page.text


def test_the_isb_imports_and_sees_what_happened(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    page = client.get("/catalogs")
    assert 'enctype="multipart/form-data"' in page.text
    assert "isms catalog import --official" in page.text
    assert "Noch keine Kataloge importiert." in page.text

    created = _import(client, ISO.name, ISO.read_bytes())
    assert created.status_code == 303
    location = created.headers["location"]
    assert re.fullmatch(r"/catalogs\?imported=\d+&kind=catalog", location)
    shown = client.get(location).text
    assert "„ISO/IEC 27001:2022 Annex A Catalog“" in shown and "importiert." in shown
    assert 'role="status"' in shown

    again = _import(client, ISO.name, ISO.read_bytes())
    assert again.status_code == 303 and again.headers["location"].endswith("&unchanged=1")
    assert "unverändert (bereits importiert)" in client.get(again.headers["location"]).text

    mapping = _import(client, ISO_MAPPING.name, ISO_MAPPING.read_bytes())
    assert "kind=mapping" in mapping.headers["location"]
    assert "importiert." in client.get(mapping.headers["location"]).text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Catalog)) == 1


def test_a_refused_file_shows_the_reason_in_the_error_summary(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    refused = _import(client, "kaputt.json", b"{kein json")
    assert refused.status_code == 400
    assert 'class="error-summary"' in refused.text and "data-autofocus" in refused.text
    assert "Die Datei ist kein JSON" in refused.text
    assert 'href="#field-file"' in refused.text and 'id="field-file"' in refused.text
    assert 'aria-invalid="true"' in refused.text

    foreign = _import(client, "x.json", json.dumps({"hello": "world"}).encode())
    assert foreign.status_code == 400 and "kein OSCAL" in foreign.text

    no_file = client.post(
        "/catalogs/import",
        data={"csrf_token": csrf_from(client.get("/catalogs").text)},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_file.status_code == 400 and "Bitte ausfüllen." in no_file.text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Catalog)) == 0

    forged = _import(client, ISO.name, ISO.read_bytes(), csrf="x" * 43)
    assert forged.status_code == 403


def test_only_the_isb_imports_migrates_and_switches_modelling(
    client: TestClient, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/catalogs", follow_redirects=False).status_code == 303
    login_ui("auditor")
    token = csrf_from(client.get("/catalogs").text)
    iso = catalogs["iso"]
    for path in ("/catalogs/import", f"/catalogs/{iso}/activate", f"/catalogs/{iso}/modelled"):
        denied = client.post(path, data={"csrf_token": token, "modelled": "ja"})
        assert denied.status_code == 403, path
        assert "Keine Berechtigung" in denied.text
    login_ui("feuerwehr")
    assert _import(client, ISO.name, ISO.read_bytes()).status_code == 403


def test_a_newer_version_waits_until_the_isb_migrates(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        modelling.model(session, actor="test")
    document = json.loads(METHODIK.read_bytes())
    document["catalog"]["metadata"]["version"] = "2027-01-01"
    document["catalog"]["groups"][0]["groups"][0]["controls"].pop(0)  # GC.1.1 and its subs
    login_ui("isb")
    newer = _import(client, "methodik-2027.json", json.dumps(document).encode())
    assert newer.status_code == 303
    new_id = int(re.findall(r"imported=(\d+)", newer.headers["location"])[0])
    page = client.get("/catalogs").text
    assert "neuere Version, noch nicht aktiv" in page
    assert page.count("Auf diese Version migrieren") == 1
    assert not _catalog(engine, new_id).active

    migrated = client.post(
        f"/catalogs/{new_id}/activate",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert migrated.status_code == 303
    with session_scope(engine, write=False) as session:
        on_new = session.scalar(
            select(func.count()).select_from(CheckEntry).where(CheckEntry.catalog_id == new_id)  # type: ignore[arg-type]
        )
    carried = int(re.findall(r"carried=(\d+)", migrated.headers["location"])[0])
    dropped = int(re.findall(r"dropped=(\d+)", migrated.headers["location"])[0])
    assert carried == on_new and carried > 0 and dropped >= 1
    shown = client.get(migrated.headers["location"]).text
    assert f"{carried} Einträge des Grundschutz-Checks übernommen, {dropped} entfallen" in shown
    assert _catalog(engine, new_id).active
    assert not _catalog(engine, catalogs["methodik"]).active
    assert "frühere Version, nicht aktiv" in shown

    again = client.post(f"/catalogs/{new_id}/activate", data={"csrf_token": csrf_from(shown)})
    assert again.status_code == 409
    assert "bereits die aktive Version" in again.text and 'class="error-summary"' in again.text


def test_the_isb_switches_modelling_of_a_catalog(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    iso = catalogs["iso"]
    assert not _catalog(engine, iso).modelled
    login_ui("isb")
    page = client.get("/catalogs").text
    assert "Auf Zielobjekte modellieren" in page
    switched = client.post(
        f"/catalogs/{iso}/modelled",
        data={"csrf_token": csrf_from(page), "modelled": "ja"},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert _catalog(engine, iso).modelled
    assert "werden auf die Zielobjekte modelliert" in client.get(switched.headers["location"]).text
    client.post(
        f"/catalogs/{iso}/modelled", data={"csrf_token": csrf_from(page), "modelled": "nein"}
    )
    assert not _catalog(engine, iso).modelled


def test_browsing_filters_by_practice_text_modal_verb_and_level(
    client: TestClient, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("auditor")
    kernel = catalogs["kernel"]
    page = client.get(f"/catalogs/{kernel}")
    assert page.status_code == 200
    _one_h1(page.text)
    assert "BSI Stand der Technik Kernel" in page.text
    assert f'href="/catalogs/{kernel}?group=ASST"' in page.text
    assert "Einträge 1 bis 50 von 901" in page.text and 'rel="next"' in page.text
    assert "Teilanforderung" in page.text and "depth-1" in page.text
    assert "<caption" in page.text and 'scope="col"' in page.text

    practice = client.get(f"/catalogs/{kernel}?group=ASST").text
    refs = re.findall(r'href="/controls/\d+">([A-Z.0-9]+)<', practice)
    assert refs and all(ref.startswith("ASST.") for ref in refs)
    assert 'aria-current="page"' in practice

    must = client.get(f"/catalogs/{kernel}?modal_verb=MUSS").text
    assert "von 69" in must or "69 Einträge" in must
    raised = client.get(f"/catalogs/{kernel}", params={"sec_level": "erhöht"}).text
    assert "von 227" in raised
    searched = client.get(f"/catalogs/{kernel}?q=Inventarisierung&group=ASST").text
    assert "ASST" in searched
    second = client.get(f"/catalogs/{kernel}?offset=50&group=ASST").text
    assert 'rel="prev"' in second and "group=ASST" in second
    nothing = client.get(f"/catalogs/{kernel}?q=zzzzqqq").text
    assert "Keine Einträge gefunden." in nothing
    assert client.get("/catalogs/999999").status_code == 404


def test_a_control_with_params_parent_and_mappings(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("verkehr")
    kernel = catalogs["kernel"]
    control = client.get(f"/controls/{_control_id(engine, kernel, 'ASST.1.1.2')}")
    assert control.status_code == 200
    _one_h1(control.text)
    assert "{{ insert: param, asst.1.1.2-prm1 }}" in control.text
    assert "zuständigen Personen oder Rollen" in control.text
    parent = _control_id(engine, kernel, "ASST.1.1")
    assert f'href="/controls/{parent}"' in control.text
    assert "Übergeordnete Anforderung" in control.text
    assert f'href="/catalogs/{kernel}?group=ASST"' in control.text

    iso = client.get(f"/controls/{_control_id(engine, catalogs['iso'], '5.1')}").text
    assert "Policies for information security" in iso
    assert "Informationssicherheitspolitik und -richtlinien" in iso
    assert "bildet ab auf" in iso and "Teilmenge von" in iso
    target = _control_id(engine, catalogs["methodik"], "GC.9.1")
    assert f'href="/controls/{target}"' in iso
    assert "GC.6.1.3 <span" in iso and "nicht importiert" in iso  # not in any catalog here
    assert "ISO" in iso  # the mapping collection's title

    mapped_from = client.get(f"/controls/{target}").text
    assert "wird abgebildet von" in mapped_from and "5.1" in mapped_from
    unmapped = client.get(f"/controls/{_control_id(engine, kernel, 'ASST.1.2')}").text
    assert "keine Zuordnungen importiert" in unmapped
    assert client.get("/controls/999999").status_code == 404


def test_a_mapping_to_a_catalog_not_imported_names_the_ref(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    from tests.controls.conftest import import_file

    iso = import_file(engine, ISO).id
    document = json.loads(ISO_MAPPING.read_bytes())
    first = document["mapping-collection"]["mappings"][0]["maps"][0]
    first["props"] = [{"name": "elementare_gefaehrdung", "value": "G 0.18 Fehlplanung"}]
    with session_scope(engine) as session:
        service.import_document(
            session, json.dumps(document).encode(), source="mapping.json", actor="test"
        )
    login_ui("isb")
    page = client.get(f"/controls/{_control_id(engine, iso, '5.1')}").text
    assert "GC.6.1.3" in page and "nicht importiert" in page
    assert "Gefährdungen" in page and "G 0.18 Fehlplanung" in page


def test_the_catalog_pages_in_english(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    client.cookies.set("isms_lang", "en")
    page = client.get("/catalogs").text
    assert "Migrate to this version" not in page  # nothing inactive
    assert "Model onto target objects" in page and "Catalogs" in page
    iso = client.get(f"/controls/{_control_id(engine, catalogs['iso'], '5.1')}").text
    assert "maps to" in iso and "subset of" in iso
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", page)
