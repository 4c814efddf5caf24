"""A readable dependency graph of one asset as server-rendered SVG (no script, no library)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

NODE_W, NODE_H, GAP_Y, COL_GAP = 230, 54, 14, 90
MAX_PER_COLUMN = 12


@dataclass(frozen=True)
class GraphNode:
    id: int
    short_id: str
    name: str
    level: str | None  # the term shown in the node (text, not colour alone)
    level_label: str


def _node(node: GraphNode, x: int, y: int, *, current: bool) -> str:
    css = f"node level-{(node.level or 'none').replace(' ', '-')}" + (
        " node--current" if current else ""
    )
    name = node.name if len(node.name) <= 30 else node.name[:29] + "…"
    body = (
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" class="{css}"/>'
        f'<text x="{x + 10}" y="{y + 21}" class="node-id">{escape(node.short_id)}</text>'
        f'<text x="{x + NODE_W - 10}" y="{y + 21}" class="node-level" text-anchor="end">'
        f"{escape(node.level_label)}</text>"
        f'<text x="{x + 10}" y="{y + 42}" class="node-name">{escape(name)}</text>'
    )
    if current:
        return f"<g>{body}</g>"
    return f'<a href="/assets/{node.id}"><title>{escape(node.short_id)} {escape(node.name)}</title>{body}</a>'


def _column(nodes: list[GraphNode], x: int, height: int) -> list[tuple[GraphNode, int, int]]:
    shown = nodes[:MAX_PER_COLUMN]
    total = len(shown) * NODE_H + max(0, len(shown) - 1) * GAP_Y
    top = (height - total) // 2
    return [(n, x, top + i * (NODE_H + GAP_Y)) for i, n in enumerate(shown)]


def dependency_svg(
    center: GraphNode,
    required_by: list[GraphNode],
    depends_on: list[GraphNode],
    *,
    title: str,
    description: str,
    more_label: str,
) -> str:
    """Dependents on the left, the asset in the middle, what it depends on on the right."""
    rows = max(1, min(MAX_PER_COLUMN, max(len(required_by), len(depends_on), 1)))
    height = rows * NODE_H + (rows - 1) * GAP_Y + 40
    width = 3 * NODE_W + 2 * COL_GAP + 20
    left = _column(required_by, 10, height)
    middle = _column([center], 10 + NODE_W + COL_GAP, height)[0]
    right = _column(depends_on, 10 + 2 * (NODE_W + COL_GAP), height)
    cx, cy = middle[1], middle[2] + NODE_H // 2
    lines = [
        f'<line x1="{x + NODE_W}" y1="{y + NODE_H // 2}" x2="{cx - 4}" y2="{cy}" class="edge" marker-end="url(#arrow)"/>'
        for _, x, y in left
    ] + [
        f'<line x1="{cx + NODE_W}" y1="{cy}" x2="{x - 4}" y2="{y + NODE_H // 2}" class="edge" marker-end="url(#arrow)"/>'
        for _, x, y in right
    ]
    nodes = [_node(n, x, y, current=False) for n, x, y in left + right]
    nodes.append(_node(center, middle[1], middle[2], current=True))
    extra = []
    for items, x in ((required_by, 10), (depends_on, 10 + 2 * (NODE_W + COL_GAP))):
        if len(items) > MAX_PER_COLUMN:
            extra.append(
                f'<text x="{x}" y="{height - 6}" class="node-more">'
                f"{escape(more_label.format(count=len(items) - MAX_PER_COLUMN))}</text>"
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="dependency-graph" '
        f'role="group" aria-labelledby="graph-title" aria-describedby="graph-desc">'
        f'<title id="graph-title">{escape(title)}</title><desc id="graph-desc">{escape(description)}</desc>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"/></marker></defs>'
        + "".join(lines)
        + "".join(nodes)
        + "".join(extra)
        + "</svg>"
    )
