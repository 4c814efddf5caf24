"""The demo structure analysis: consistent vocabulary, an acyclic graph and sound assessments."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from risk.assets.categories import OWN_TYPES_FILE
from risk.assets.demo import ASSETS, DEPENDENCIES, DemoAsset, DemoProtection
from risk.assets.levels import (
    GRUNDWERTE,
    Level,
    NodeAssessment,
    NodeResult,
    Override,
    override_problem,
    propagate,
    topological_order,
)

VOCABULARY = (
    Path(__file__).resolve().parents[3].parent
    / "shared/catalogs/bsi-stand-der-technik/target_object_categories.csv"
)
DEPARTMENTS = {"VT", "SE", "FW", "BA", "IUK", "PER"}
INDEX = {asset.short_id: i for i, asset in enumerate(ASSETS)}
BY_ID = {asset.short_id: asset for asset in ASSETS}


def _names(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["Zielobjekt"].strip() for row in csv.DictReader(handle) if row["Zielobjekt"]}


def _protection(asset: DemoAsset, grundwert: str) -> DemoProtection | None:
    value = getattr(asset, grundwert)
    assert value is None or isinstance(value, DemoProtection)
    return value


def _dependents() -> dict[int, list[int]]:
    dependents: dict[int, list[int]] = {}
    for dependent, dependency in DEPENDENCIES:
        dependents.setdefault(INDEX[dependency], []).append(INDEX[dependent])
    return dependents


def _propagated(grundwert: str) -> dict[int, NodeResult]:
    edges = [(INDEX[a], INDEX[b]) for a, b in DEPENDENCIES]
    order = topological_order(range(len(ASSETS)), edges)
    assessments = {}
    for i, asset in enumerate(ASSETS):
        own = _protection(asset, grundwert)
        if own is not None:
            assessments[i] = NodeAssessment(own.level, own.override)
    return propagate(order, _dependents(), assessments)


def _find(keyword: str, department: str) -> list[DemoAsset]:
    return [a for a in ASSETS if keyword.lower() in a.name.lower() and a.department == department]


def test_enough_assets_with_unique_short_ids() -> None:
    assert len(ASSETS) >= 45
    assert len(INDEX) == len(ASSETS)
    assert all(asset.short_id.startswith("Z-") for asset in ASSETS)


def test_categories_exist_in_the_vocabulary() -> None:
    bsi = _names(VOCABULARY)
    assert len(bsi) == 39
    own = _names(OWN_TYPES_FILE)
    assert "ICS/OT-Systeme" in own
    unknown = {a.short_id: a.category for a in ASSETS if a.category not in bsi | own}
    assert unknown == {}


def test_departments_own_at_least_three_assets() -> None:
    counts = Counter(asset.department for asset in ASSETS)
    assert set(counts) == DEPARTMENTS
    assert min(counts.values()) >= 3


def test_fields_are_plausible() -> None:
    for asset in ASSETS:
        assert asset.name.strip() and asset.responsible.strip(), asset.short_id
        assert asset.quantity >= 1, asset.short_id
        assert all(tag == tag.lower() and "," not in tag for tag in asset.tags), asset.short_id
        if asset.kritis_critical:
            assert asset.kritis_sector is not None, asset.short_id
        for grundwert in GRUNDWERTE:
            own = _protection(asset, grundwert)
            if own is not None:
                assert own.justification.strip(), (asset.short_id, grundwert)
                assert own.scenarios, (asset.short_id, grundwert)
                assert len(set(own.scenarios)) == len(own.scenarios), asset.short_id


def test_dependencies_form_a_dag() -> None:
    for dependent, dependency in DEPENDENCIES:
        assert dependent in INDEX, dependent
        assert dependency in INDEX, dependency
        assert dependent != dependency
    assert len(set(DEPENDENCIES)) == len(DEPENDENCIES)
    edges = [(INDEX[a], INDEX[b]) for a, b in DEPENDENCIES]
    order = topological_order(range(len(ASSETS)), edges)
    assert sorted(order) == list(range(len(ASSETS)))


def test_every_object_below_the_processes_is_connected() -> None:
    dependents = _dependents()
    for i, asset in enumerate(ASSETS):
        if asset.category != "Geschäftsprozesse":
            assert dependents.get(i), f"{asset.short_id} has no dependent"


def test_critical_systems_exist() -> None:
    traffic = _find("Verkehrsrechner", "VT")
    assert len(traffic) >= 3
    assert any(a.kritis_critical for a in traffic)
    assert {a.kritis_sector for a in traffic} == {"transport_verkehr"}
    drainage = _find("Klärwerk", "SE") + _find("Prozessleitsystem", "SE")
    assert any(a.kritis_critical and a.category == "ICS/OT-Systeme" for a in drainage)
    assert {a.kritis_sector for a in drainage} == {"wasser"}
    assert _find("Alarmierung", "FW")
    assert _find("Einsatzleitsystem", "FW")
    assert _find("Leitstelle", "FW")


@pytest.mark.parametrize("grundwert", GRUNDWERTE)
def test_own_assessments_agree_with_inheritance(grundwert: str) -> None:
    results = _propagated(grundwert)
    for i, asset in enumerate(ASSETS):
        own = _protection(asset, grundwert)
        if own is not None:
            problem = override_problem(own.level, own.override, results[i].inherited)
            assert problem is None, (asset.short_id, grundwert, problem)


def test_top_objects_are_assessed_completely() -> None:
    dependents = _dependents()
    for i, asset in enumerate(ASSETS):
        if not dependents.get(i):
            for grundwert in GRUNDWERTE:
                assert _protection(asset, grundwert) is not None, (asset.short_id, grundwert)


def test_exactly_one_kumulation_and_one_verteilung() -> None:
    overrides = Counter(
        own.override
        for asset in ASSETS
        for grundwert in GRUNDWERTE
        if (own := _protection(asset, grundwert)) is not None and own.override is not None
    )
    assert overrides == {Override.KUMULATION: 1, Override.VERTEILUNG: 1}


def test_overrides_change_the_inherited_value() -> None:
    results = _propagated("availability")
    file_server = INDEX["Z-058"]
    assert results[file_server].inherited == Level.NORMAL
    assert results[file_server].level == Level.HOCH
    standby = INDEX["Z-008"]
    assert results[standby].inherited == Level.SEHR_HOCH
    assert results[standby].level == Level.HOCH


def test_alerting_servers_need_very_high_availability() -> None:
    results = _propagated("availability")
    servers = _find("Alarmierungsserver", "FW")
    assert servers
    for server in servers:
        assert results[INDEX[server.short_id]].level == Level.SEHR_HOCH


def test_shared_infrastructure_inherits_from_several_domains() -> None:
    dependents = _dependents()
    availability = _propagated("availability")
    confidentiality = _propagated("confidentiality")
    cluster = INDEX["Z-060"]
    assert len(dependents[cluster]) >= 4
    assert availability[cluster].level == Level.SEHR_HOCH
    assert confidentiality[cluster].level == Level.HOCH
    for short_id in ("Z-059", "Z-063", "Z-065", "Z-067", "Z-068"):
        assert len(dependents[INDEX[short_id]]) >= 2, short_id
