"""Rendering a Document as PDF with reportlab: cover page with approval fields, table of
contents, numbered pages, tables whose header row repeats on every page, an embedded TrueType
font (all German letters), PDF bookmarks. No database access here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

import reportlab
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from reports.document import Bars, Document, Heat, Section
from reports.document import Table as DataTable

FONT, FONT_BOLD = "IsmsSans", "IsmsSans-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"  # Bitstream Vera, shipped with reportlab
MAX_CELL = 1500  # characters of one cell shown; longer texts are cut with an ellipsis


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "VeraBd.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
    rl_config.canvas_basefontname = FONT  # no stray Helvetica (not embedded) on any page


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, alignment=TA_LEFT)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=24, leading=30),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=18),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=6,
            spaceAfter=8,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=6,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#4a5360"),
            spaceAfter=4,
        ),
        "tochead": ParagraphStyle(
            "tochead", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=8
        ),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10, leading=14, leftIndent=0),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9, leading=12, leftIndent=14),
    }


CELL_SIZE, CELL_LEADING, MAX_LINES = 8, 10, 12


def _wrap(text: str, width: float) -> str:
    """Text broken into lines that fit the column (at most MAX_LINES, then an ellipsis)."""
    if not text:
        return ""
    if "\n" not in text and pdfmetrics.stringWidth(text, FONT, CELL_SIZE) <= width:
        return text
    lines: list[str] = []
    for paragraph in text[:MAX_CELL].split("\n"):
        lines += simpleSplit(paragraph, FONT, CELL_SIZE, width) or [""]
        if len(lines) > MAX_LINES:
            return "\n".join([*lines[: MAX_LINES - 1], lines[MAX_LINES - 1] + " …"])
    return "\n".join(lines)


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    text = text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _Template(BaseDocTemplate):
    def __init__(self, target: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.document = document
        self._heading = 0

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's hook; once per pass)
        self._heading = 0

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 (reportlab's hook)
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
            level = 0 if flowable.style.name == "h1" else 1
            self._heading += 1
            key = f"h{self._heading}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, flowable.getPlainText(), self.page, key))


def _footer(canvas: Any, doc: _Template) -> None:
    meta = doc.document.meta
    canvas.saveState()
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(colors.HexColor("#4a5360"))
    width, _ = doc.pagesize
    canvas.drawString(doc.leftMargin, 1.1 * cm, f"{meta.title} · {meta.organisation}")
    canvas.drawRightString(
        width - doc.rightMargin,
        1.1 * cm,
        meta.labels.get("page", "{page}").format(page=doc.page),
    )
    canvas.restoreState()


def _table(data: DataTable, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    flow: list[Any] = []
    if data.caption:
        flow.append(Paragraph(escape(data.caption), styles["caption"]))
    weights = data.widths or tuple(1.0 for _ in data.headers)
    total = sum(weights)
    widths = [width * w / total for w in weights]
    head = [_cell(h, styles["head"]) for h in data.headers]
    # Body cells are plain text wrapped here (a Paragraph per cell is ten times slower and
    # heavier, which matters at hundreds of thousands of rows).
    inner = [w - 6 for w in widths]
    body = [[_wrap(v, w) for v, w in zip(row, inner, strict=False)] for row in data.rows]
    if not body:
        body = [["–"] + ["" for _ in head[1:]]]
    table_class = LongTable if len(body) > 50 else Table
    table = table_class([head, *body], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), FONT, CELL_SIZE, CELL_LEADING),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf1")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1b1f24")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#8a94a3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    flow += [table, Spacer(1, 8)]
    return flow


HEAT_COLOURS = ("#e8f3ea", "#fff1c2", "#ffd0a8", "#ffb3ad")


def _bars(chart: Bars, width: float) -> Drawing:
    label_width, bar_height, gap = width * 0.38, 12, 5
    height = len(chart.values) * (bar_height + gap) + 10
    drawing = Drawing(width, height)
    scale = (width - label_width - 50) / 100
    for index, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        y = height - (index + 1) * (bar_height + gap)
        drawing.add(String(0, y + 3, label[:48], fontName=FONT, fontSize=7.5))
        drawing.add(
            Rect(
                label_width,
                y,
                max(value, 0) * scale,
                bar_height,
                fillColor=colors.HexColor("#0b4f8a"),
                strokeColor=None,
            )
        )
        drawing.add(
            String(
                label_width + max(value, 0) * scale + 4,
                y + 3,
                f"{value:.0f} %",
                fontName=FONT,
                fontSize=7.5,
            )
        )
    return drawing


def _heat(chart: Heat, width: float) -> Drawing:
    label_width = 95
    cell_width = min(90, (width - label_width) / max(len(chart.columns), 1))
    cell_height = 34
    height = cell_height * len(chart.rows) + 20
    drawing = Drawing(label_width + cell_width * len(chart.columns), height)
    for i, row in enumerate(chart.rows):
        y = height - (i + 1) * cell_height
        drawing.add(String(0, y + cell_height / 2 - 3, row, fontName=FONT, fontSize=7.5))
        for j, _ in enumerate(chart.columns):
            x = label_width + j * cell_width
            rank = chart.ranks[i][j]
            drawing.add(
                Rect(
                    x + 1,
                    y + 1,
                    cell_width - 2,
                    cell_height - 2,
                    fillColor=colors.HexColor(HEAT_COLOURS[min(max(rank, 0), 3)]),
                    strokeColor=colors.HexColor("#1b1f24"),
                    strokeWidth=0.5,
                )
            )
            drawing.add(
                String(
                    x + cell_width / 2,
                    y + cell_height / 2 + 2,
                    str(chart.counts[i][j]),
                    fontName=FONT_BOLD,
                    fontSize=10,
                    textAnchor="middle",
                )
            )
            drawing.add(
                String(
                    x + cell_width / 2,
                    y + 6,
                    chart.categories[i][j],
                    fontName=FONT,
                    fontSize=6.5,
                    textAnchor="middle",
                )
            )
    for j, column in enumerate(chart.columns):
        drawing.add(
            String(
                label_width + j * cell_width + cell_width / 2,
                4,
                column,
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
            )
        )
    return drawing


def _section(
    section: Section, level: int, styles: dict[str, ParagraphStyle], width: float
) -> list[Any]:
    flow: list[Any] = [Paragraph(escape(section.title), styles["h1" if level == 0 else "h2"])]
    flow += [Paragraph(escape(t).replace("\n", "<br/>"), styles["body"]) for t in section.text]
    if section.text:
        flow.append(Spacer(1, 6))
    for chart in section.charts:
        flow.append(Paragraph(escape(chart.title), styles["caption"]))
        flow.append(_bars(chart, width) if isinstance(chart, Bars) else _heat(chart, width))
        flow.append(Spacer(1, 10))
    for table in section.tables:
        flow += _table(table, styles, width)
    for sub in section.subsections:
        flow += _section(sub, level + 1, styles, width)
    return flow


def _cover(document: Document, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    meta, labels = document.meta, document.meta.labels
    facts = [
        (labels.get("organisation", "organisation"), meta.organisation),
        (labels.get("scope", "scope"), meta.scope),
        (labels.get("version", "version"), meta.version),
        (labels.get("date", "date"), meta.created.strftime("%d.%m.%Y")),
    ]
    approval = [
        (labels.get("prepared", "prepared"), ""),
        (labels.get("checked", "checked"), ""),
        (labels.get("approved", "approved"), ""),
    ]
    fact_table = Table(
        [[_cell(k, styles["head"]), _cell(v, styles["body"])] for k, v in facts],
        colWidths=[width * 0.28, width * 0.72],
    )
    approval_table = Table(
        [
            [
                _cell(labels.get("role", "role"), styles["head"]),
                _cell(labels.get("name", "name"), styles["head"]),
                _cell(labels.get("signed", "signed"), styles["head"]),
            ],
            *[[_cell(k, styles["body"]), "", ""] for k, _ in approval],
        ],
        colWidths=[width * 0.28, width * 0.36, width * 0.36],
        rowHeights=[None, 1.1 * cm, 1.1 * cm, 1.1 * cm],
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a94a3")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    fact_table.setStyle(grid)
    approval_table.setStyle(grid)
    return [
        Spacer(1, 3 * cm),
        Paragraph(escape(meta.title), styles["title"]),
        Spacer(1, 0.3 * cm),
        Paragraph(escape(meta.subtitle), styles["subtitle"]),
        Spacer(1, 1.5 * cm),
        fact_table,
        Spacer(1, 1.2 * cm),
        Paragraph(escape(labels.get("approval", "approval")), styles["tochead"]),
        approval_table,
    ]


def _headings(sections: Any, level: int) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for section in sections:
        found.append((min(level, 1), section.title))
        found += _headings(section.subsections, level + 1)
    return found


def render(document: Document, target: str | Path | BinaryIO, *, wide: bool = False) -> None:
    """Write the PDF to a path or a binary stream."""
    _fonts()
    styles = _styles()
    pagesize = landscape(A4) if wide else A4
    margin = 1.8 * cm
    template = _Template(
        target if not isinstance(target, Path) else str(target),
        document,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=2 * cm,
        title=document.meta.title,
        author=document.meta.organisation,
        subject=document.meta.subtitle,
        creator="ISMS Kommunal",
        lang=document.meta.language,
    )
    width = pagesize[0] - 2 * margin
    frame = Frame(margin, 2 * cm, width, pagesize[1] - margin - 2 * cm, id="body")
    template.addPageTemplates(
        [
            PageTemplate(id="cover", frames=[frame]),
            PageTemplate(id="body", frames=[frame], onPage=_footer),
        ]
    )
    toc = TableOfContents()
    toc.levelStyles = [styles["toc1"], styles["toc2"]]
    # The headings are known before layout: with the contents already the right length, two
    # passes settle the page numbers instead of three (a third of the time for long reports).
    toc._entries = [
        (level, title, 0, f"h{number}")
        for number, (level, title) in enumerate(_headings(document.sections, 0), start=1)
    ]
    story: list[Any] = [*_cover(document, styles, width), NextPageTemplate("body"), PageBreak()]
    contents = document.meta.labels.get("contents", "contents")
    story += [Paragraph(escape(contents), styles["tochead"]), toc]
    story.append(PageBreak())
    for section in document.sections:
        story += _section(section, 0, styles, width)
    template.multiBuild(story)
