"""The pure rules of the Maximumprinzip, without a database."""

from __future__ import annotations

import pytest

from risk.assets.levels import (
    Level,
    NodeAssessment,
    Override,
    effective_level,
    override_problem,
    propagate,
    topological_order,
)

N, H, S = Level.NORMAL, Level.HOCH, Level.SEHR_HOCH


@pytest.mark.parametrize(
    ("assessed", "override", "inherited", "expected"),
    [
        (None, None, None, None),
        (N, None, None, N),
        (None, None, H, H),
        (N, None, S, S),
        (S, None, H, S),
        (S, Override.KUMULATION, H, S),
        (H, Override.VERTEILUNG, S, H),
    ],
)
def test_effective_level(
    assessed: Level | None,
    override: Override | None,
    inherited: Level | None,
    expected: Level | None,
) -> None:
    assert effective_level(assessed, override, inherited) == expected


@pytest.mark.parametrize(
    ("assessed", "override", "inherited", "problem"),
    [
        (H, None, H, None),
        (S, None, H, None),
        (N, None, H, "error.lower_than_inherited_needs_verteilung"),
        (None, Override.KUMULATION, H, "error.override_needs_level"),
        (H, Override.KUMULATION, None, "error.override_without_inheritance"),
        (H, Override.KUMULATION, H, "error.kumulation_must_raise"),
        (S, Override.KUMULATION, H, None),
        (S, Override.VERTEILUNG, H, "error.verteilung_must_lower"),
        (N, Override.VERTEILUNG, H, None),
    ],
)
def test_override_rules(
    assessed: Level | None, override: Override | None, inherited: Level | None, problem: str | None
) -> None:
    assert override_problem(assessed, override, inherited) == problem


def test_topological_order_puts_dependents_first_and_refuses_cycles() -> None:
    order = topological_order([1, 2, 3, 4], [(1, 2), (2, 3), (1, 4), (4, 3)])
    assert order.index(1) < order.index(2) < order.index(3)
    assert order.index(4) < order.index(3)
    with pytest.raises(ValueError, match="cycle"):
        topological_order([1, 2, 3], [(1, 2), (2, 3), (3, 1)])


def test_propagation_takes_the_maximum_and_remembers_the_source() -> None:
    # process 1 (sehr hoch) and process 2 (hoch) use application 3, which runs on server 4
    edges = [(1, 3), (2, 3), (3, 4)]
    dependents = {3: [1, 2], 4: [3]}
    results = propagate(
        topological_order([1, 2, 3, 4], edges),
        dependents,
        {1: NodeAssessment(S, None), 2: NodeAssessment(H, None)},
    )
    assert results[3].level == S and results[3].source == 1
    assert results[4].level == S and results[4].source == 3
    assert results[1].source is None


def test_own_higher_value_is_not_attributed_to_a_source() -> None:
    results = propagate([1, 2], {2: [1]}, {1: NodeAssessment(N, None), 2: NodeAssessment(H, None)})
    assert results[2].inherited == N and results[2].level == H and results[2].source is None


def test_verteilungseffekt_lowers_and_the_lower_value_flows_on() -> None:
    results = propagate(
        [1, 2, 3],
        {2: [1], 3: [2]},
        {1: NodeAssessment(S, None), 2: NodeAssessment(H, Override.VERTEILUNG)},
    )
    assert results[2].level == H and results[3].level == H and results[3].source == 2


def test_fixed_levels_of_objects_outside_the_computed_part_are_used() -> None:
    results = propagate([5], {5: [9]}, {}, fixed={9: S})
    assert results[5].level == S and results[5].source == 9
