"""Protection levels and the pure rules of the Maximumprinzip (no database)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class Level(enum.IntEnum):
    """Schutzbedarfskategorie; the API carries the German terms."""

    NORMAL = 1
    HOCH = 2
    SEHR_HOCH = 3

    @property
    def term(self) -> str:
        return LEVEL_TERMS[self]

    @classmethod
    def from_term(cls, term: str) -> Level:
        try:
            return TERM_LEVELS[term.strip().lower()]
        except KeyError:
            raise ValueError(term) from None


LEVEL_TERMS = {Level.NORMAL: "normal", Level.HOCH: "hoch", Level.SEHR_HOCH: "sehr hoch"}
TERM_LEVELS = {term: level for level, term in LEVEL_TERMS.items()}


class Override(enum.StrEnum):
    """Why an object's value differs from what it inherits."""

    KUMULATION = "kumulationseffekt"  # higher: many normal needs add up
    VERTEILUNG = "verteilungseffekt"  # lower: the need is spread over redundant objects


class DamageScenario(enum.StrEnum):
    """The BSI 200-2 damage scenarios a protection requirement rests on."""

    LAWS = "verstoss_gesetze"  # violation of laws, regulations or contracts
    SELF_DETERMINATION = "informationelle_selbstbestimmung"
    PHYSICAL_INTEGRITY = "koerperliche_unversehrtheit"
    TASK_FULFILMENT = "aufgabenerfuellung"
    REPUTATION = "aussenwirkung"
    FINANCIAL = "finanzielle_auswirkungen"


GRUNDWERTE = ("confidentiality", "integrity", "availability")


def effective_level(
    assessed: Level | None, override: Override | None, inherited: Level | None
) -> Level | None:
    """The value that counts: max of own and inherited, unless a Verteilungseffekt lowers it."""
    if override is Override.VERTEILUNG and assessed is not None:
        return assessed
    candidates = [level for level in (assessed, inherited) if level is not None]
    return max(candidates) if candidates else None


def override_problem(
    assessed: Level | None, override: Override | None, inherited: Level | None
) -> str | None:
    """The message key of what is wrong with an assessment given what is inherited, or None."""
    if override is None:
        if assessed is not None and inherited is not None and assessed < inherited:
            return "error.lower_than_inherited_needs_verteilung"
        return None
    if assessed is None:
        return "error.override_needs_level"
    if inherited is None:
        return "error.override_without_inheritance"
    if override is Override.KUMULATION and assessed <= inherited:
        return "error.kumulation_must_raise"
    if override is Override.VERTEILUNG and assessed >= inherited:
        return "error.verteilung_must_lower"
    return None


@dataclass(frozen=True)
class NodeAssessment:
    """One object's own assessment of one Grundwert."""

    assessed: Level | None
    override: Override | None


@dataclass(frozen=True)
class NodeResult:
    """The computed value of one Grundwert and where it comes from."""

    inherited: Level | None
    level: Level | None
    source: int | None  # the dependent object the inherited value came from


def topological_order(nodes: Iterable[int], edges: Sequence[tuple[int, int]]) -> list[int]:
    """Nodes ordered so that every dependent comes before what it depends on."""
    node_list = list(nodes)
    indegree = dict.fromkeys(node_list, 0)
    children: dict[int, list[int]] = {n: [] for n in node_list}
    for dependent, dependency in edges:
        if dependent in indegree and dependency in indegree:
            children[dependent].append(dependency)
            indegree[dependency] += 1
    ready = [n for n in node_list if indegree[n] == 0]
    order: list[int] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for child in children[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(node_list):
        raise ValueError("dependency graph has a cycle")
    return order


def inherit(parents: Iterable[tuple[int, Level | None]]) -> tuple[Level | None, int | None]:
    """The highest level among the dependents and which one has it (lowest id on ties)."""
    best: tuple[Level | None, int | None] = (None, None)
    for parent, level in parents:
        if level is None:
            continue
        current, source = best
        if (
            current is None
            or level > current
            or (level == current and source is not None and parent < source)
        ):
            best = (level, parent)
    return best


def compute_node(own: NodeAssessment, parents: Iterable[tuple[int, Level | None]]) -> NodeResult:
    """One Grundwert of one object from its own assessment and its dependents' levels."""
    inherited, source = inherit(parents)
    level = effective_level(own.assessed, own.override, inherited)
    from_inheritance = (
        level is not None
        and level == inherited
        and own.override is not Override.VERTEILUNG
        and (own.assessed is None or own.assessed <= inherited)
    )
    return NodeResult(inherited, level, source if from_inheritance else None)


def propagate(
    order: Sequence[int],
    dependents: Mapping[int, Sequence[int]],
    assessments: Mapping[int, NodeAssessment],
    fixed: Mapping[int, Level | None] | None = None,
) -> dict[int, NodeResult]:
    """Compute every node in order; `fixed` holds levels of dependents outside the computed set."""
    known: dict[int, Level | None] = dict(fixed or {})
    results: dict[int, NodeResult] = {}
    none = NodeAssessment(None, None)
    for node in order:
        parents = ((parent, known.get(parent)) for parent in dependents.get(node, ()))
        result = compute_node(assessments.get(node, none), parents)
        results[node] = result
        known[node] = result.level
    return results
