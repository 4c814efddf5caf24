"""Dependencies, cycles and inheritance of protection requirements against a real database."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, select

from isms.audit.models import AuditEvent
from isms.database import session_scope
from isms.errors import Conflict, InvalidInput
from risk.assets import graph, service
from risk.assets.levels import Level
from risk.assets.models import Asset
from risk.assets.schemas import ProtectionInput
from tests.factories import make_department
from tests.risk.assets.factories import assess, link, load, make_asset

H, S = (
    ProtectionInput(level="hoch", justification="Begründet."),
    ProtectionInput(level="sehr hoch", justification="Begründet."),
)


@pytest.fixture
def chain(engine: Engine, categories: dict[str, int]) -> dict[str, Asset]:
    """Alerting process -> alerting application -> server -> server room, and HR -> same server."""
    fw, iuk = make_department(engine, code="FW"), make_department(engine, code="IUK")
    objects = {
        "process": make_asset(
            engine, short_id="P-1", category_id=categories["Geschäftsprozesse"], department_id=fw.id
        ),
        "hr": make_asset(
            engine,
            short_id="P-2",
            category_id=categories["Geschäftsprozesse"],
            department_id=iuk.id,
        ),
        "app": make_asset(
            engine, short_id="A-1", category_id=categories["Anwendungen"], department_id=fw.id
        ),
        "server": make_asset(
            engine, short_id="S-1", category_id=categories["Hostsysteme"], department_id=iuk.id
        ),
        "room": make_asset(
            engine, short_id="R-1", category_id=categories["Serverräume"], department_id=iuk.id
        ),
    }
    link(engine, objects["process"], objects["app"])
    link(engine, objects["app"], objects["server"])
    link(engine, objects["hr"], objects["server"])
    link(engine, objects["server"], objects["room"])
    return objects


def test_levels_flow_down_the_chain_by_the_maximum(engine: Engine, chain: dict[str, Asset]) -> None:
    assess(engine, chain["hr"], availability=H, confidentiality=S)
    assess(engine, chain["process"], availability=S)
    room = load(engine, chain["room"])
    assert (room.a_level, room.c_level, room.i_level) == (Level.SEHR_HOCH, Level.SEHR_HOCH, None)
    assert room.a_source_id == chain["server"].id
    server = load(engine, chain["server"])
    assert server.a_source_id == chain["app"].id and server.c_source_id == chain["hr"].id
    assert server.max_level == Level.SEHR_HOCH


def test_lowering_a_process_lowers_everything_below(
    engine: Engine, chain: dict[str, Asset]
) -> None:
    assess(engine, chain["process"], availability=S)
    assess(
        engine, chain["process"], availability=ProtectionInput(level="normal", justification="x")
    )
    assert load(engine, chain["room"]).a_level == Level.NORMAL


def test_removing_an_edge_recalculates(engine: Engine, chain: dict[str, Asset]) -> None:
    assess(engine, chain["process"], availability=S)
    with session_scope(engine) as session:
        from risk.assets.models import AssetDependency

        edge = session.scalars(
            select(AssetDependency).where(AssetDependency.dependent_id == chain["app"].id)
        ).one()  # type: ignore[arg-type]
        graph.remove_dependency(session, edge=edge)
    assert load(engine, chain["server"]).a_level is None
    assert load(engine, chain["app"]).a_level == Level.SEHR_HOCH


def test_a_cycle_is_refused_naming_it_and_nothing_is_written(
    engine: Engine, chain: dict[str, Asset]
) -> None:
    with pytest.raises(Conflict) as caught, session_scope(engine) as session:
        graph.add_dependency(
            session,
            dependent=session.get(Asset, chain["room"].id),  # type: ignore[arg-type]
            dependency=session.get(Asset, chain["process"].id),
        )  # type: ignore[arg-type]
    assert caught.value.params["cycle"] == "R-1 → P-1 → A-1 → S-1 → R-1"
    with session_scope(engine, write=False) as session:
        assert graph.find_cycle(
            session, dependent_id=chain["room"].id or 0, dependency_id=chain["process"].id or 0
        )


def test_self_dependency_is_a_cycle(engine: Engine, chain: dict[str, Asset]) -> None:
    with pytest.raises(Conflict), session_scope(engine) as session:
        server = session.get(Asset, chain["server"].id)
        graph.add_dependency(session, dependent=server, dependency=server)  # type: ignore[arg-type]


def test_overrides_need_the_right_direction_and_a_reason(
    engine: Engine, chain: dict[str, Asset]
) -> None:
    assess(engine, chain["process"], availability=H)
    with pytest.raises(InvalidInput, match="kumulation_must_raise"):
        assess(
            engine,
            chain["server"],
            availability=ProtectionInput(
                level="hoch", override="kumulationseffekt", justification="Viele Prozesse"
            ),
        )
    with pytest.raises(InvalidInput, match="override_needs_reason"):
        assess(
            engine,
            chain["server"],
            availability=ProtectionInput(level="sehr hoch", override="kumulationseffekt"),
        )
    with pytest.raises(InvalidInput, match="lower_than_inherited"):
        assess(engine, chain["server"], availability=ProtectionInput(level="normal"))
    assess(
        engine,
        chain["server"],
        availability=ProtectionInput(
            level="sehr hoch",
            override="kumulationseffekt",
            justification="Viele Fachverfahren zusammen.",
        ),
    )
    assert load(engine, chain["room"]).a_level == Level.SEHR_HOCH
    assess(
        engine,
        chain["server"],
        availability=ProtectionInput(
            level="normal",
            override="verteilungseffekt",
            justification="Redundanter Partner übernimmt.",
        ),
    )
    assert load(engine, chain["server"]).a_level == Level.NORMAL
    assert load(engine, chain["room"]).a_level == Level.NORMAL


def test_deleting_an_asset_recalculates_what_it_depended_on(
    engine: Engine, chain: dict[str, Asset]
) -> None:
    assess(engine, chain["process"], availability=S)
    with session_scope(engine) as session:
        service.delete(session, asset=session.get(Asset, chain["app"].id))  # type: ignore[arg-type]
    assert load(engine, chain["server"]).a_level is None
    with session_scope(engine, write=False) as session:
        query = select(AuditEvent).where(AuditEvent.object_type == "asset_dependency")  # type: ignore[arg-type]
        actions = [e.action for e in session.scalars(query)]
    assert actions.count("delete") == 2


def test_recalculation_is_audited_in_the_same_transaction(
    engine: Engine, chain: dict[str, Asset]
) -> None:
    assess(engine, chain["process"], availability=S)
    with session_scope(engine, write=False) as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "recalculate")
            .order_by(AuditEvent.seq.desc())
        ).first()  # type: ignore[arg-type, union-attr]
    assert event is not None and "S-1" in (event.after or "")


def test_incremental_recalculation_equals_a_full_one(
    engine: Engine, categories: dict[str, int]
) -> None:
    """Random DAGs and random assessments: after every change, a full run changes nothing."""
    rng = random.Random(20261121)
    department = make_department(engine)
    assets = [
        make_asset(engine, category_id=categories["IT-Systeme"], department_id=department.id)
        for _ in range(30)
    ]
    for _ in range(60):
        a, b = rng.sample(range(30), 2)
        if a > b:
            a, b = b, a  # edges only from lower to higher index: a DAG
        try:
            link(engine, assets[a], assets[b])
        except Conflict:
            pass
    for _ in range(25):
        target = assets[rng.randrange(10)]
        level = rng.choice(["normal", "hoch", "sehr hoch"])
        grundwert = rng.choice(["confidentiality", "integrity", "availability"])
        try:
            assess(
                engine,
                target,
                **{grundwert: ProtectionInput(level=level, justification="zufällig")},
            )
        except InvalidInput:
            continue  # below the inherited value without a Verteilungseffekt: refused, as it must be
        with session_scope(engine) as session:
            assert graph.recalculate(session) == 0, (
                "incremental result differs from a full recalculation"
            )
