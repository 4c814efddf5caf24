"""OSCAL import against the BSI's real files, and the ways a document is refused."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from controls.catalogs import oscal
from tests.conftest import SHARED

CATALOGS = SHARED / "catalogs/bsi-stand-der-technik"
KERNEL = "BSI-Stand-der-Technik-Kernel-catalog.json"
METHODIK = "BSI-Methodik-Grundschutz++-catalog.json"
RISK = "BSI-Anforderungen-zum-Risikomanagement-catalog.json"
ISO = "ISO27001-AnnexA-catalog.json"
PROFILE = "Grundschutz++-profile.json"
ISO_MAPPING = "ISO27001-AnnexA-to-GS++-mapping_collection.json"
ITGS_MAPPING = "ITGS-to-GS++-mapping_collection.json"


def _bytes(name: str) -> bytes:
    return (CATALOGS / name).read_bytes()


def _json(name: str) -> Any:
    return json.loads(_bytes(name))


def _encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def _raw_controls(container: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict | None]]:
    """Every control under a catalog or group as (control, parent control), parents first."""

    def walk(control: dict[str, Any], parent: dict | None) -> Iterator[tuple[dict, dict | None]]:
        yield control, parent
        for sub in control.get("controls", []):
            yield from walk(sub, control)

    for control in container.get("controls", []):
        yield from walk(control, None)
    for group in container.get("groups", []):
        yield from _raw_controls(group)


def _raw_categories(control: dict[str, Any]) -> list[str]:
    return [
        prop["value"]
        for part in control.get("parts", [])
        if part["name"] == "statement"
        for prop in part.get("props", [])
        if prop["name"] == "target_object_categories"
    ]


def _control(**fields: Any) -> dict[str, Any]:
    return {"id": "C.1", "title": "Control", **fields}


def _catalog(*groups: dict[str, Any], version: str = "1.1.3") -> dict[str, Any]:
    return {
        "catalog": {
            "uuid": "00000000-0000-4000-8000-000000000001",
            "metadata": {
                "title": "Test catalog",
                "version": "1",
                "oscal-version": version,
                "last-modified": "2026-01-01T00:00:00Z",
            },
            "groups": list(groups),
        }
    }


def _profile(*imports: dict[str, Any]) -> bytes:
    return _encode(
        {
            "profile": {
                "uuid": "00000000-0000-4000-8000-000000000002",
                "metadata": {
                    "title": "Test profile",
                    "version": "1",
                    "oscal-version": "1.1.3",
                    "last-modified": "2026-01-01T00:00:00Z",
                },
                "imports": list(imports),
            }
        }
    )


def _refused(data: bytes, key: str, parse: Any = oscal.parse_document) -> oscal.OscalError:
    with pytest.raises(oscal.OscalError) as caught:
        parse(data)
    assert caught.value.key == key, caught.value.params
    return caught.value


@pytest.fixture(scope="module")
def kernel() -> oscal.Catalog:
    return oscal.parse_catalog(_bytes(KERNEL))


@pytest.fixture(scope="module")
def kernel_raw() -> dict[str, Any]:
    return _json(KERNEL)["catalog"]


@pytest.fixture(scope="module")
def by_ref(kernel: oscal.Catalog) -> dict[str, oscal.Control]:
    return {control.ref: control for control in kernel.controls}


# --- The Kernel catalog ------------------------------------------------------------------------


def test_kernel_has_14_practices_and_901_controls(
    kernel: oscal.Catalog, kernel_raw: dict[str, Any]
) -> None:
    practices = [group for group in kernel.groups if group.depth == 0]
    assert [group.ref for group in practices] == [group["id"] for group in kernel_raw["groups"]]
    assert len(practices) == 14
    assert len(kernel.controls) == 901
    assert Counter(control.depth for control in kernel.controls) == {0: 596, 1: 292, 2: 13}
    assert kernel.uuid == kernel_raw["uuid"]
    assert kernel.oscal_version == "1.1.3"
    assert kernel.sha256 == hashlib.sha256(_bytes(KERNEL)).hexdigest()


def test_kernel_controls_come_in_document_order(
    kernel: oscal.Catalog, kernel_raw: dict[str, Any]
) -> None:
    assert [c.ref for c in kernel.controls] == [c["id"] for c, _ in _raw_controls(kernel_raw)]
    assert [c.sort_order for c in kernel.controls] == list(range(901))
    assert [g.sort_order for g in kernel.groups] == list(range(len(kernel.groups)))


def test_sub_control_knows_its_parent_group_and_practice(
    by_ref: dict[str, oscal.Control],
) -> None:
    sub = by_ref["ASST.1.1.1"]
    assert (sub.parent_ref, sub.group_ref, sub.practice, sub.depth) == (
        "ASST.1.1",
        "ASST.1",
        "ASST",
        1,
    )
    top = by_ref["ASST.1.1"]
    assert (top.parent_ref, top.group_ref, top.practice, top.depth) == (None, "ASST.1", "ASST", 0)


def test_groups_know_their_parent(kernel: oscal.Catalog) -> None:
    groups = {group.ref: group for group in kernel.groups}
    assert (groups["ASST"].parent_ref, groups["ASST"].depth) == (None, 0)
    assert (groups["ASST.1"].parent_ref, groups["ASST.1"].depth) == ("ASST", 1)
    assert groups["ASST.1"].title


def test_control_fields_from_props_and_parts(
    by_ref: dict[str, oscal.Control], kernel_raw: dict[str, Any]
) -> None:
    control = by_ref["ASST.1.1"]
    assert "MUSS" in control.statement
    assert control.modal_verb == "MUSS"
    assert control.sec_level == "normal-SdT"
    assert control.effort_level == 0
    assert control.cls == "BSI-Stand-der-Technik-Kernel"
    assert control.guidance.startswith("Informationsmanagement ist")
    assert [part.name for part in control.parts] == ["statement", "guidance"]
    assert control.parts[0].id == "ASST.1.1_stm"
    raw = next(c for c, _ in _raw_controls(kernel_raw) if c["id"] == "ASST.1.1")
    assert [prop.name for prop in control.props] == [prop["name"] for prop in raw["props"]]


def test_effort_levels_are_integers_as_in_the_file(
    kernel: oscal.Catalog, kernel_raw: dict[str, Any]
) -> None:
    expected = {
        c["id"]: int(p["value"])
        for c, _ in _raw_controls(kernel_raw)
        for p in c["props"]
        if p["name"] == "effort_level"
    }
    assert {c.ref: c.effort_level for c in kernel.controls} == expected
    assert {c.effort_level for c in kernel.controls} > {0, 1}


def test_it_systems_counted_like_the_raw_file(
    kernel: oscal.Catalog, kernel_raw: dict[str, Any]
) -> None:
    effective: dict[str, set[str]] = {}
    for control, parent in _raw_controls(kernel_raw):
        own = {item.strip() for value in _raw_categories(control) for item in value.split(",")}
        effective[control["id"]] = own or (effective[parent["id"]] if parent else set())
    expected = sum("IT-Systeme" in categories for categories in effective.values())
    assert expected > 0
    parsed = sum("IT-Systeme" in control.target_categories for control in kernel.controls)
    assert parsed == expected


def test_comma_separated_categories_are_split(
    by_ref: dict[str, oscal.Control], kernel_raw: dict[str, Any]
) -> None:
    refs = [
        c["id"] for c, _ in _raw_controls(kernel_raw) if "Nutzende, Endgeräte" in _raw_categories(c)
    ]
    assert refs
    for ref in refs:
        assert by_ref[ref].target_categories == ("Nutzende", "Endgeräte")


def test_sub_control_without_categories_inherits_its_parents(
    by_ref: dict[str, oscal.Control], kernel_raw: dict[str, Any]
) -> None:
    heirs = [
        (control["id"], parent["id"])
        for control, parent in _raw_controls(kernel_raw)
        if parent and not _raw_categories(control) and _raw_categories(parent)
    ]
    assert heirs
    for ref, parent in heirs:
        assert by_ref[ref].target_categories == by_ref[parent].target_categories != ()
    assert by_ref["ASST.2.3.2.1"].target_categories == ("Anwendungen",)


def test_controls_without_categories_have_none(
    by_ref: dict[str, oscal.Control], kernel_raw: dict[str, Any]
) -> None:
    assert by_ref["ASST.1.1.1"].target_categories == ()
    assert sum(bool(c.target_categories) for c in by_ref.values()) >= sum(
        bool(_raw_categories(c)) for c, _ in _raw_controls(kernel_raw)
    )


def test_tags_are_split(by_ref: dict[str, oscal.Control], kernel_raw: dict[str, Any]) -> None:
    ref = next(
        c["id"]
        for c, _ in _raw_controls(kernel_raw)
        if any(
            p["name"] == "tags" and p["value"] == "Lieferketten, Exit-Strategie" for p in c["props"]
        )
    )
    assert by_ref[ref].tags == ("Lieferketten", "Exit-Strategie")
    assert by_ref["ASST.1.1.1"].tags == ()


def test_params_keep_their_json(by_ref: dict[str, oscal.Control]) -> None:
    (param,) = by_ref["ASST.1.1.2"].params
    assert param.id == "asst.1.1.2-prm1"
    assert param.label == "zuständigen Personen oder Rollen"
    assert param.values == ()
    assert param.raw["props"][0]["name"] == "alt-identifier"
    assert "{{ insert: param, asst.1.1.2-prm1 }}" in by_ref["ASST.1.1.2"].statement


def test_nested_parts_are_kept_and_their_prose_joined() -> None:
    statement = {
        "name": "statement",
        "prose": "Intro",
        "parts": [{"name": "item", "id": "s.a", "prose": "a"}, {"name": "item", "prose": "b"}],
    }
    guidance = [{"name": "guidance", "prose": "g1"}, {"name": "guidance", "prose": "g2"}]
    document = _catalog(
        {"id": "G", "title": "G", "controls": [_control(parts=[statement, *guidance])]}
    )
    (control,) = oscal.parse_catalog(_encode(document)).controls
    assert control.statement == "Intro\na\nb"
    assert control.guidance == "g1\ng2"
    assert [part.id for part in control.parts[0].parts] == ["s.a", None]
    assert (control.sec_level, control.effort_level, control.modal_verb) == (None, None, None)


def test_controls_directly_in_the_catalog_have_no_group() -> None:
    document = _catalog({"id": "G", "title": "G", "controls": [_control(id="G.1")]})
    document["catalog"]["controls"] = [_control(controls=[_control(id="C.1.1")])]
    catalog = oscal.parse_catalog(_encode(document))
    assert [(c.ref, c.group_ref, c.practice, c.parent_ref, c.depth) for c in catalog.controls] == [
        ("C.1", None, None, None, 0),
        ("C.1.1", None, None, "C.1", 1),
        ("G.1", "G", "G", None, 0),
    ]


# --- The other catalogs -------------------------------------------------------------------------


def test_iso_annex_a_has_93_controls_with_german_titles() -> None:
    iso = oscal.parse_catalog(_bytes(ISO))
    assert len(iso.controls) == 93
    assert [group.ref for group in iso.groups] == ["A5", "A6", "A7", "A8"]
    control = next(control for control in iso.controls if control.ref == "5.1")
    assert control.alt_titles["de"] == "Informationssicherheitspolitik und -richtlinien"
    assert control.title == "Policies for information security"
    assert (control.group_ref, control.practice, control.sec_level) == ("A5", "A5", None)
    assert all(set(c.alt_titles) == {"de"} for c in iso.controls)


@pytest.mark.parametrize("name", [METHODIK, RISK])
def test_methodik_and_risk_management_parse(name: str) -> None:
    raw = _json(name)["catalog"]
    catalog = oscal.parse_document(_bytes(name))
    assert isinstance(catalog, oscal.Catalog)
    assert catalog.title == raw["metadata"]["title"]
    assert [c.ref for c in catalog.controls] == [c["id"] for c, _ in _raw_controls(raw)]
    assert all(c.modal_verb in {"MUSS", "SOLLTE", "KANN"} for c in catalog.controls)


def test_methodik_goes_three_levels_deep() -> None:
    catalog = oscal.parse_catalog(_bytes(METHODIK))
    deepest = max(catalog.controls, key=lambda control: control.depth)
    assert deepest.depth == 3
    parents = {control.ref: control for control in catalog.controls}
    assert parents[deepest.parent_ref or ""].depth == 2


# --- Mapping collections ------------------------------------------------------------------------


def test_iso_mapping_relationships_as_in_the_file() -> None:
    raw = _json(ISO_MAPPING)["mapping-collection"]
    collection = oscal.parse_mapping_collection(_bytes(ISO_MAPPING))
    assert len(collection.mappings) == 2
    expected = Counter(m["relationship"] for mapping in raw["mappings"] for m in mapping["maps"])
    parsed = Counter(m.relationship for mapping in collection.mappings for m in mapping.maps)
    assert parsed == expected
    assert set(parsed) == {"subset-of", "equivalent-to", "intersects-with"}
    first = collection.mappings[0]
    assert (first.source_href, first.target_href) == (ISO, METHODIK)
    assert first.maps[0].source_refs == ("5.1",)
    assert first.maps[0].target_refs == ("GC.6.1.3", "GC.6.1.4", "GC.9.1", "PERF.7.1")
    assert collection.oscal_version == "1.2.2"


def test_itgs_mapping_has_1185_entries_with_threats() -> None:
    raw = _json(ITGS_MAPPING)["mapping-collection"]
    collection = oscal.parse_document(_bytes(ITGS_MAPPING))
    assert isinstance(collection, oscal.MappingCollection)
    entries = [entry for mapping in collection.mappings for entry in mapping.maps]
    assert len(entries) == 1185
    assert entries[0].threats == ("G 0.18: Fehlplanung oder fehlende Anpassung",)
    raw_threats = sum(
        prop["name"] == "elementare_gefaehrdung"
        for mapping in raw["mappings"]
        for entry in mapping["maps"]
        for prop in entry["props"]
    )
    assert sum(len(entry.threats) for entry in entries) == raw_threats
    assert all(threat.startswith("G 0.") for entry in entries for threat in entry.threats)
    titles = [mapping.target_title for mapping in collection.mappings]
    assert titles == ["BSI Stand der Technik Kernel", "BSI Methodik Grundschutz++"]
    assert collection.mappings[0].source_title is None


# --- The profile --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile() -> oscal.Profile:
    return oscal.parse_profile(_bytes(PROFILE))


@pytest.fixture(scope="module")
def catalogs_for_profile(profile: oscal.Profile, kernel: oscal.Catalog) -> dict[str, oscal.Catalog]:
    """The shared files under the names the profile's hrefs end in (the Kernel's differs)."""
    parsed = {"Methodik": oscal.parse_catalog(_bytes(METHODIK)), "Kernel": kernel}
    parsed["Risikomanagement"] = oscal.parse_catalog(_bytes(RISK))
    return {
        item.href.rsplit("/", 1)[-1]: next(c for key, c in parsed.items() if key in item.href)
        for item in profile.imports
    }


def test_profile_imports_resolve_through_back_matter(profile: oscal.Profile) -> None:
    raw = _json(PROFILE)["profile"]
    links = {r["uuid"]: r["rlinks"][0]["href"] for r in raw["back-matter"]["resources"]}
    assert [item.href for item in profile.imports] == [
        links[item["href"].removeprefix("#")] for item in raw["imports"]
    ]
    assert [item.include_all for item in profile.imports] == [True, False, True]
    assert profile.imports[1].include_ids == ("RISK.1.1", "RISK.1.3", "RISK.1.5", "RISK.1.10")
    assert profile.imports[1].with_child_controls is False
    assert profile.set_parameters["gc.1.1-prm1"] == ("BSI Grundschutz++",)


def test_profile_resolves_to_methodik_four_risk_controls_and_kernel(
    profile: oscal.Profile, catalogs_for_profile: dict[str, oscal.Catalog]
) -> None:
    raw = _json(PROFILE)["profile"]
    resolved = oscal.resolve_profile(profile, catalogs_for_profile)
    methodik = [c["id"] for c, _ in _raw_controls(_json(METHODIK)["catalog"])]
    risk = raw["imports"][1]["include-controls"][0]["with-ids"]
    kernel = [c["id"] for c, _ in _raw_controls(_json(KERNEL)["catalog"])]
    assert [c.ref for c in resolved.controls] == methodik + risk + kernel
    assert [c.sort_order for c in resolved.controls] == list(range(len(resolved.controls)))
    assert (resolved.uuid, resolved.title, resolved.sha256) == (
        profile.uuid,
        "Anwenderkatalog Grundschutz++",
        hashlib.sha256(_bytes(PROFILE)).hexdigest(),
    )
    groups = [group.ref for group in resolved.groups]
    assert "RISK" in groups
    assert "RISK.1" in groups
    assert len(groups) == len(set(groups))
    assert [group.sort_order for group in resolved.groups] == list(range(len(groups)))


def test_profile_sets_parameters(
    profile: oscal.Profile, catalogs_for_profile: dict[str, oscal.Catalog]
) -> None:
    resolved = oscal.resolve_profile(profile, catalogs_for_profile)
    params = {p.id: p for control in resolved.controls for p in control.params}
    assert params["gc.1.1-prm1"].values == ("BSI Grundschutz++",)
    assert params["gc.1.1-prm1"].raw["values"] == ["BSI Grundschutz++"]
    assert params["not.1.1.4-prm1"].values == ("BSI-Standard 200-4",)
    assert params["asst.1.1.2-prm1"].values == ()
    original = oscal.parse_catalog(_bytes(METHODIK))
    untouched = {p.id: p for control in original.controls for p in control.params}
    assert untouched["gc.1.1-prm1"].values == ()


def test_profile_with_child_controls(kernel: oscal.Catalog) -> None:
    selection = {"with-ids": ["ASST.1.1"], "with-child-controls": "yes"}
    profile = oscal.parse_profile(_profile({"href": KERNEL, "include-controls": [selection]}))
    resolved = oscal.resolve_profile(profile, {KERNEL: kernel})
    expected = [c.ref for c in kernel.controls if "ASST.1.1" in (c.ref, c.parent_ref)]
    assert len(expected) > 1
    assert [c.ref for c in resolved.controls] == expected
    assert [g.ref for g in resolved.groups] == ["ASST", "ASST.1"]


def test_profile_selecting_a_sub_control_alone_lifts_it_to_the_top(kernel: oscal.Catalog) -> None:
    selection = {"with-ids": ["ASST.1.1.1"], "with-child-controls": "no"}
    profile = oscal.parse_profile(_profile({"href": KERNEL, "include-controls": [selection]}))
    (control,) = oscal.resolve_profile(profile, {KERNEL: kernel}).controls
    assert (control.ref, control.parent_ref, control.depth, control.sort_order) == (
        "ASST.1.1.1",
        None,
        0,
        0,
    )


def test_profile_with_a_missing_catalog_is_unresolved(profile: oscal.Profile) -> None:
    with pytest.raises(oscal.OscalError) as caught:
        oscal.resolve_profile(profile, {METHODIK: oscal.parse_catalog(_bytes(METHODIK))})
    assert caught.value.key == "oscal.profile_unresolved"
    assert caught.value.params["href"] == profile.imports[1].href


def test_profile_importing_a_catalog_twice_duplicates_ids(kernel: oscal.Catalog) -> None:
    item = {"href": f"x/{KERNEL}", "include-all": {}}
    profile = oscal.parse_profile(_profile(item, item))
    with pytest.raises(oscal.OscalError) as caught:
        oscal.resolve_profile(profile, {KERNEL: kernel})
    assert caught.value.key == "oscal.duplicate_id"
    assert caught.value.params["id"] == kernel.controls[0].ref


def test_profile_selecting_an_unknown_control_is_invalid(kernel: oscal.Catalog) -> None:
    profile = oscal.parse_profile(
        _profile({"href": KERNEL, "include-controls": [{"with-ids": ["NOPE.1"]}]})
    )
    with pytest.raises(oscal.OscalError) as caught:
        oscal.resolve_profile(profile, {KERNEL: kernel})
    assert caught.value.key == "oscal.invalid"
    assert "NOPE.1" in str(caught.value.params["problem"])


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"href": KERNEL}, "profile.imports[0]"),
        (
            {"href": KERNEL, "include-all": {}, "exclude-controls": [{"with-ids": ["A"]}]},
            "profile.imports[0].exclude-controls",
        ),
        (
            {"href": KERNEL, "include-all": {}, "include-controls": [{"with-ids": ["A"]}]},
            "profile.imports[0]",
        ),
        (
            {
                "href": KERNEL,
                "include-controls": [
                    {"with-ids": ["A"], "with-child-controls": "yes"},
                    {"with-ids": ["B"], "with-child-controls": "no"},
                ],
            },
            "profile.imports[0].include-controls",
        ),
        (
            {"href": KERNEL, "include-controls": [{"with-ids": ["A"], "with-child-controls": "y"}]},
            "profile.imports[0].include-controls[0].with-child-controls",
        ),
        (
            {"href": KERNEL, "include-controls": [{"matching": [{"pattern": "A*"}]}]},
            "profile.imports[0].include-controls[0].matching",
        ),
    ],
)
def test_profile_selections_we_cannot_honour_are_refused(item: dict, where: str) -> None:
    error = _refused(_profile(item), "oscal.invalid")
    assert error.params["where"] == where


# --- Refused documents --------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"{not json", b"\xff\xfe{}", b""])
def test_not_json(data: bytes) -> None:
    _refused(data, "oscal.not_json")


@pytest.mark.parametrize(
    "document",
    [[], "catalog", {"something": {}}, {"$schema": "x"}, {"catalog": {}, "profile": {}}],
)
def test_not_oscal(document: Any) -> None:
    _refused(_encode(document), "oscal.not_oscal")


def test_parse_catalog_refuses_another_document_type() -> None:
    _refused(_bytes(ISO_MAPPING), "oscal.not_oscal", oscal.parse_catalog)
    _refused(_encode(_catalog()), "oscal.not_oscal", oscal.parse_profile)
    _refused(_bytes(PROFILE), "oscal.not_oscal", oscal.parse_mapping_collection)


@pytest.mark.parametrize("version", ["2.0", "2.0.0", "1.10.0", "0.9"])
def test_unsupported_version(version: str) -> None:
    error = _refused(_encode(_catalog(version=version)), "oscal.unsupported_version")
    assert error.params == {"version": version}


@pytest.mark.parametrize("version", ["1.0", "1.0.4", "1.1.3", "1.2.1"])
def test_supported_versions(version: str) -> None:
    assert oscal.parse_catalog(_encode(_catalog(version=version))).oscal_version == version


def test_byte_order_mark_and_schema_key_are_accepted() -> None:
    document = {"$schema": "https://example.org/schema.json", **_catalog({"id": "G", "title": "G"})}
    data = b"\xef\xbb\xbf" + _encode(document)
    catalog = oscal.parse_catalog(data)
    assert [group.ref for group in catalog.groups] == ["G"]
    assert catalog.sha256 == hashlib.sha256(data).hexdigest()


def test_missing_control_title_reports_where() -> None:
    raw = _json(KERNEL)
    del raw["catalog"]["groups"][0]["groups"][2]["controls"][3]["title"]
    error = _refused(_encode(raw), "oscal.invalid", oscal.parse_catalog)
    assert error.params["where"] == "catalog.groups[0].groups[2].controls[3].title"
    assert error.params["problem"] == "Field required"


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_catalog({"title": "no id"}), "catalog.groups[0].id"),
        (
            _catalog({"id": "G", "title": "G", "controls": [_control(props=[{"name": "x"}])]}),
            "catalog.groups[0].controls[0].props[0].value",
        ),
        (
            _catalog({"id": "G", "title": "G", "parts": [{"prose": "no name"}]}),
            "catalog.groups[0].parts[0].name",
        ),
        (_catalog({"id": "G", "title": 7}), "catalog.groups[0].title"),
        ({"catalog": {"metadata": {"oscal-version": "1.1.3"}}}, "catalog.uuid"),
        (
            {
                "mapping-collection": {
                    "uuid": "u",
                    "metadata": _catalog()["catalog"]["metadata"],
                    "mappings": [
                        {
                            "uuid": "m",
                            "source-resource": {"href": "a"},
                            "target-resource": {"href": "b"},
                            "maps": [{"sources": [], "targets": []}],
                        }
                    ],
                }
            },
            "mapping-collection.mappings[0].maps[0].relationship",
        ),
    ],
)
def test_invalid_documents_report_where(document: dict, where: str) -> None:
    error = _refused(_encode(document), "oscal.invalid")
    assert error.params["where"] == where


def test_non_integer_effort_level_is_invalid() -> None:
    control = _control(props=[{"name": "effort_level", "value": "hoch"}])
    document = _catalog({"id": "G", "title": "G", "controls": [control]})
    error = _refused(_encode(document), "oscal.invalid")
    assert error.params["where"] == "catalog.groups[0].controls[0].props[0].value"


def test_duplicate_control_id() -> None:
    raw = _json(RISK)
    controls = raw["catalog"]["groups"][0]["groups"][0]["controls"]
    controls.append({**controls[0], "title": "again"})
    error = _refused(_encode(raw), "oscal.duplicate_id", oscal.parse_catalog)
    assert error.params == {"id": controls[0]["id"]}


def test_control_id_equal_to_a_group_id_is_a_duplicate() -> None:
    document = _catalog({"id": "G", "title": "G", "controls": [_control(id="G")]})
    assert _refused(_encode(document), "oscal.duplicate_id").params == {"id": "G"}


def test_oversized_document(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _bytes(RISK)
    monkeypatch.setattr(oscal, "MAX_BYTES", len(data) - 1)
    assert _refused(data, "oscal.too_large").params == {"max": len(data) - 1}
    monkeypatch.setattr(oscal, "MAX_BYTES", len(data))
    assert len(oscal.parse_catalog(data).controls) == 10
