"""Export of the asset register and import with a preview: all rows or nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.errors import InvalidInput
from isms.identity.models import Department
from risk.assets import graph
from risk.assets.levels import Level, Override, override_problem
from risk.assets.models import Asset, AssetCategory, AssetDependency
from risk.assets.tabular import AssetRow, ParsedTable, ProtectionCell, RowError, parse_table

GRUNDWERT_FIELDS = (("c", "confidentiality"), ("i", "integrity"), ("a", "availability"))
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _cell(asset: Asset, p: str) -> ProtectionCell:
    assessed, override = getattr(asset, f"{p}_assessed"), getattr(asset, f"{p}_override")
    scenarios = getattr(asset, f"{p}_scenarios")
    from risk.assets.levels import DamageScenario

    return ProtectionCell(
        level=Level(assessed) if assessed else None,
        override=Override(override) if override else None,
        justification=getattr(asset, f"{p}_justification"),
        scenarios=tuple(DamageScenario(s) for s in scenarios.split(",") if s),
    )


def export_rows(session: Session, *, scope: set[int] | None) -> list[AssetRow]:
    """The register as rows (own assessments, not inherited values), in 3 queries."""
    query = (
        select(Asset, col(AssetCategory.name), col(Department.code))
        .join(AssetCategory, col(AssetCategory.id) == col(Asset.category_id))
        .join(Department, col(Department.id) == col(Asset.department_id))
        .order_by(col(Asset.short_id))
    )
    if scope is not None:
        query = query.where(col(Asset.department_id).in_(scope))
    rows = list(session.execute(query))
    short_ids: dict[int, str] = dict(
        session.execute(select(col(Asset.id), col(Asset.short_id))).all()
    )
    depends: dict[int, list[str]] = defaultdict(list)
    for dependent, dependency in session.execute(
        select(col(AssetDependency.dependent_id), col(AssetDependency.dependency_id))
    ):
        depends[dependent].append(short_ids[dependency])
    return [
        AssetRow(
            short_id=a.short_id,
            name=a.name,
            category=category,
            department=department,
            responsible=a.responsible,
            description=a.description,
            location=a.location,
            quantity=a.quantity,
            status=a.status,
            tags=tuple(t.strip() for t in a.tags.split(",") if t.strip()),
            kritis_sector=a.kritis_sector,
            kritis_critical=a.kritis_critical,
            confidentiality=_cell(a, "c"),
            integrity=_cell(a, "i"),
            availability=_cell(a, "a"),
            depends_on=tuple(sorted(depends.get(a.id or 0, []))),
        )
        for a, category, department in rows
    ]


@dataclass
class ImportPreview:
    """What an import would do, and every problem that stops it."""

    rows: list[AssetRow]
    errors: list[RowError]
    creates: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _check_references(
    session: Session, parsed: ParsedTable
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    categories: dict[str, int] = dict(
        session.execute(select(col(AssetCategory.name), col(AssetCategory.id))).all()
    )
    departments: dict[str, int] = dict(
        session.execute(select(col(Department.code), col(Department.id))).all()
    )
    existing: dict[str, int] = dict(
        session.execute(select(col(Asset.short_id), col(Asset.id))).all()
    )
    in_file = {row.short_id for row in parsed.rows}
    for row in parsed.rows:
        if row.category not in categories:
            parsed.errors.append(
                RowError(
                    row.line, "category", "error.import.unknown_category", {"value": row.category}
                )
            )
        if row.department not in departments:
            parsed.errors.append(
                RowError(
                    row.line,
                    "department",
                    "error.import.unknown_department",
                    {"value": row.department},
                )
            )
        for target in row.depends_on:
            if target not in in_file and target not in existing:
                parsed.errors.append(
                    RowError(
                        row.line, "depends_on", "error.import.unknown_dependency", {"value": target}
                    )
                )
    return categories, departments, existing


def _check_cycles(session: Session, parsed: ParsedTable, existing: dict[str, int]) -> None:
    """Cycles in the graph the import leaves: others' existing edges plus the file's edges."""
    in_file = {row.short_id: row for row in parsed.rows}
    names = {v: k for k, v in existing.items()}
    edges: dict[str, set[str]] = defaultdict(set)
    for dependent, dependency in session.execute(
        select(col(AssetDependency.dependent_id), col(AssetDependency.dependency_id))
    ):
        if names[dependent] not in in_file:
            edges[names[dependent]].add(names[dependency])
    for row in parsed.rows:
        edges[row.short_id].update(row.depends_on)
    from risk.assets.levels import topological_order

    nodes = sorted(set(edges) | {d for targets in edges.values() for d in targets})
    index = {name: i for i, name in enumerate(nodes)}
    try:
        topological_order(
            range(len(nodes)),
            [(index[a], index[b]) for a, targets in edges.items() for b in targets],
        )
    except ValueError:
        cycle = _find_cycle(edges)
        line = in_file[cycle[0]].line if cycle[0] in in_file else 0
        parsed.errors.append(
            RowError(line, "depends_on", "error.import.cycle", {"cycle": " → ".join(cycle)})
        )


def _find_cycle(edges: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for child in sorted(edges.get(node, ())):
            if state.get(child) == 1:
                return [*stack[stack.index(child) :], child]
            if child not in state and (found := visit(child)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def preview(session: Session, *, data: bytes, filename: str) -> ImportPreview:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("error.import.too_large", max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
    parsed = parse_table(data, filename=filename)
    _, _, existing = _check_references(session, parsed)
    if not parsed.errors:
        _check_cycles(session, parsed, existing)
    result = ImportPreview(parsed.rows, sorted(parsed.errors, key=lambda e: (e.row, e.column)))
    result.creates = [r.short_id for r in parsed.rows if r.short_id not in existing]
    result.updates = [r.short_id for r in parsed.rows if r.short_id in existing]
    return result


def _fields(
    row: AssetRow, categories: dict[str, int], departments: dict[str, int]
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.name,
        "category_id": categories[row.category],
        "department_id": departments[row.department],
        "responsible": row.responsible,
        "description": row.description,
        "location": row.location,
        "quantity": row.quantity,
        "status": row.status,
        "tags": ", ".join(row.tags),
        "kritis_sector": row.kritis_sector,
        "kritis_critical": row.kritis_critical,
    }
    for p, name in GRUNDWERT_FIELDS:
        cell: ProtectionCell = getattr(row, name)
        values |= {
            f"{p}_assessed": int(cell.level) if cell.level else None,
            f"{p}_override": cell.override.value if cell.override else None,
            f"{p}_justification": cell.justification,
            f"{p}_scenarios": ",".join(s.value for s in cell.scenarios),
        }
    return values


def apply(session: Session, *, data: bytes, filename: str) -> ImportPreview:
    """Import all rows or none: upsert by short id, replace their dependencies, recalculate."""
    result = preview(session, data=data, filename=filename)
    if not result.ok:
        raise InvalidInput("error.import.has_errors", count=len(result.errors))
    categories, departments, _ = _check_references(session, ParsedTable(result.rows, []))
    assets: dict[str, Asset] = {}
    for row in result.rows:
        asset = session.scalars(select(Asset).where(col(Asset.short_id) == row.short_id)).first()
        asset = asset or Asset(short_id=row.short_id, name=row.name, category_id=0, department_id=0)
        for key, value in _fields(row, categories, departments).items():
            setattr(asset, key, value)
        asset.updated_at = utcnow()
        session.add(asset)
        assets[row.short_id] = asset
    session.flush()
    _replace_edges(session, result.rows, assets)
    graph.recalculate(session)
    _check_overrides(session, result.rows, assets)
    return result


def _replace_edges(session: Session, rows: list[AssetRow], assets: dict[str, Asset]) -> None:
    ids = {row.short_id: assets[row.short_id].id or 0 for row in rows}
    by_short: dict[str, int] = dict(
        session.execute(select(col(Asset.short_id), col(Asset.id))).all()
    )
    for row in rows:
        current = {
            e.dependency_id: e
            for e in session.scalars(
                select(AssetDependency).where(
                    col(AssetDependency.dependent_id) == ids[row.short_id]
                )
            )
        }
        wanted = {by_short[target] for target in row.depends_on}
        for dependency_id, edge in current.items():
            if dependency_id not in wanted:
                session.delete(edge)
        for dependency_id in wanted - set(current):
            session.add(
                AssetDependency(dependent_id=ids[row.short_id], dependency_id=dependency_id)
            )
    session.flush()


def _check_overrides(session: Session, rows: list[AssetRow], assets: dict[str, Asset]) -> None:
    problems = []
    for row in rows:
        asset = assets[row.short_id]
        session.refresh(asset)
        for p, name in GRUNDWERT_FIELDS:
            cell: ProtectionCell = getattr(row, name)
            inherited = getattr(asset, f"{p}_inherited")
            problem = override_problem(
                cell.level, cell.override, Level(inherited) if inherited else None
            )
            if problem:
                problems.append(f"{row.short_id} ({name})")
    if problems:
        raise InvalidInput("error.import.override_problems", assets=", ".join(problems[:20]))
