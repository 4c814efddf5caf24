"""The risk heat map as server-rendered SVG: every cell names its category and count in text, so
the colour is never the only carrier of meaning; a table alternative sits beside it."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

CELL_W, CELL_H, LABEL_W, LABEL_H = 150, 74, 170, 56


def category_class(rank: int, categories: int) -> str:
    """cat-0 (lowest) ... cat-3 (highest), spread over the matrix's categories."""
    if categories <= 1:
        return "cat-0"
    return f"cat-{round(3 * rank / (categories - 1))}"


def heatmap_svg(
    *,
    frequencies: tuple[str, ...],
    impacts: tuple[str, ...],
    categories: tuple[str, ...],
    cells: tuple[tuple[str, ...], ...],
    counts: list[list[int]],
    labels: dict[str, str],
    link: dict[str, str],
    title: str,
    description: str,
    frequency_axis: str,
    impact_axis: str,
    count_label: str,
) -> str:
    """Impact rows (highest on top) by frequency columns (lowest left); cells link to the list."""
    width = LABEL_W + CELL_W * len(frequencies) + 10
    height = CELL_H * len(impacts) + LABEL_H + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="heatmap" '
        'role="group" aria-labelledby="heatmap-title" aria-describedby="heatmap-desc">'
        f'<title id="heatmap-title">{escape(title)}</title>'
        f'<desc id="heatmap-desc">{escape(description)}</desc>'
    ]
    rows = len(impacts)
    for i, impact in enumerate(impacts):
        y = (rows - 1 - i) * CELL_H
        parts.append(
            f'<text x="{LABEL_W - 10}" y="{y + CELL_H // 2 + 5}" text-anchor="end" class="axis">'
            f"{escape(labels.get(impact, impact))}</text>"
        )
        for j, frequency in enumerate(frequencies):
            x = LABEL_W + j * CELL_W
            category = cells[i][j]
            count = counts[i][j]
            css = category_class(categories.index(category), len(categories))
            name = labels.get(category, category)
            text = (
                f'<rect x="{x + 2}" y="{y + 2}" width="{CELL_W - 4}" height="{CELL_H - 4}" '
                f'rx="4" class="cell {css}"/>'
                f'<text x="{x + CELL_W // 2}" y="{y + 30}" text-anchor="middle" class="count">'
                f"{count}</text>"
                f'<text x="{x + CELL_W // 2}" y="{y + 52}" text-anchor="middle" class="category">'
                f"{escape(name)}</text>"
            )
            label = count_label.format(
                count=count,
                category=name,
                impact=labels.get(impact, impact),
                frequency=labels.get(frequency, frequency),
            )
            if count:
                query = urlencode({**link, "impact": impact, "frequency": frequency})
                parts.append(
                    f'<a href="/risks?{escape(query)}"><title>{escape(label)}</title>{text}</a>'
                )
            else:
                parts.append(f"<g><title>{escape(label)}</title>{text}</g>")
    base = rows * CELL_H
    for j, frequency in enumerate(frequencies):
        x = LABEL_W + j * CELL_W + CELL_W // 2
        parts.append(
            f'<text x="{x}" y="{base + 24}" text-anchor="middle" class="axis">'
            f"{escape(labels.get(frequency, frequency))}</text>"
        )
    parts.append(
        f'<text x="{LABEL_W + CELL_W * len(frequencies) // 2}" y="{base + 50}" '
        f'text-anchor="middle" class="axis-title">{escape(frequency_axis)} →</text>'
        f'<text x="10" y="{base + 50}" class="axis-title">↑ {escape(impact_axis)}</text>'
        "</svg>"
    )
    return "".join(parts)
