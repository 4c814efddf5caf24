"""Rendering a Document as PDF with reportlab: cover page with approval fields, table of
contents, numbered pages, tables whose header row repeats on every page, an embedded TrueType
font (all German letters), PDF bookmarks. No database access here."""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_right
from collections.abc import Sequence
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
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
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


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    text = text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _Canvas(Canvas):
    """Compresses every page's content as soon as the page is done: a report of ten thousand
    pages keeps a few kilobytes per page until it is saved, not all its drawing operators."""

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and not page.Contents:
            content = page.stream.encode("utf-8") if isinstance(page.stream, str) else page.stream
            page.Contents = PDFStream(
                PDFDictionary({"Filter": PDFName("FlateDecode")}), zlib.compress(content)
            )
            page.stream = None


class _Template(BaseDocTemplate):
    def __init__(self, target: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.document = document
        self._heading = 0
        self.passes = 0
        self.drawing = False

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's hook; once per pass)
        self._heading = 0
        self.passes += 1
        self.drawing = self.passes > 1  # the first pass is thrown away: layout only

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


def _lines(text: str, width: float) -> list[str]:
    """The lines of a cell: text broken to fit the column (at most MAX_LINES, then ' …')."""
    if not text:
        return []
    if "\n" not in text and pdfmetrics.stringWidth(text, FONT, CELL_SIZE) <= width:
        return [text]
    lines: list[str] = []
    for paragraph in text[:MAX_CELL].split("\n"):
        for line in simpleSplit(paragraph, FONT, CELL_SIZE, width) or [""]:
            lines += _hard_break(line, width)
        if len(lines) > MAX_LINES:
            last = lines[MAX_LINES - 1]
            while last and _width(last + " …") > width:
                last = last[:-1]
            return [*lines[: MAX_LINES - 1], last + " …"]
    return lines


def _width(text: str) -> float:
    return pdfmetrics.stringWidth(text, FONT, CELL_SIZE)


def _hard_break(line: str, width: float) -> list[str]:
    """A line with a word wider than the column (an address, a URL) broken between letters,
    so that it stays in its column."""
    if _width(line) <= width:
        return [line]
    pieces, current = [], ""
    for letter in line:
        if current and _width(current + letter) > width:
            pieces.append(current)
            current = letter.lstrip()
        else:
            current += letter
    return [*pieces, current] if current else pieces


PAD_X, PAD_Y = 3, 2
HEAD_FILL, HEAD_RULE, ROW_RULE = (
    colors.HexColor("#e6ebf1"),
    colors.HexColor("#1b1f24"),
    colors.HexColor("#8a94a3"),
)


class _RowData:
    """What every page of one table shares: headers, rows, column widths and the running sum
    of the row heights (so a page break is found by bisection, not by measuring again)."""

    def __init__(self, data: DataTable, widths: list[float]) -> None:
        self.widths = widths
        self.inner = [w - 2 * PAD_X for w in widths]
        self.head = [
            simpleSplit(h, FONT_BOLD, CELL_SIZE, w) or [""]
            for h, w in zip(data.headers, self.inner, strict=False)
        ]
        self.head_height = max(len(h) for h in self.head) * CELL_LEADING + 2 * PAD_Y + 1
        self.rows: Sequence[tuple[str, ...]] = data.rows or (("–",),)
        self.tops = array("d", [0.0])
        running = 0.0
        for row in self.rows:
            most = max(
                (len(_lines(v, w)) for v, w in zip(row, self.inner, strict=False)), default=1
            )
            running += max(1, most) * CELL_LEADING + 2 * PAD_Y
            self.tops.append(running)


class _Rows(Flowable):
    """Rows start..end of a table, drawn straight onto the canvas: the header repeats on every
    page, a row never breaks across pages, text wraps in its column. reportlab's own tables
    make objects for every cell and copy the remaining rows at every page break, which is too
    slow and too big for a check of 200,000 entries; this splits in constant time."""

    def __init__(self, data: _RowData, start: int, end: int) -> None:
        super().__init__()
        self.data, self.start, self.end = data, start, end

    def _height(self, end: int) -> float:
        return self.data.head_height + self.data.tops[end] - self.data.tops[self.start]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = sum(self.data.widths), self._height(self.end)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        room = self.data.tops[self.start] + available_height - self.data.head_height
        fits = bisect_right(self.data.tops, room, self.start, self.end + 1) - 1
        if fits <= self.start:
            return []  # not even one row here: the next page
        return [_Rows(self.data, self.start, fits), _Rows(self.data, fits, self.end)]

    def draw(self) -> None:
        template = getattr(self.canv, "_doctemplate", None)
        if template is not None and not template.drawing:
            return  # the first pass only lays out (for the page numbers of the contents)
        canvas, data = self.canv, self.data
        width, top = self.width, self.height
        canvas.saveState()
        canvas.setFillColor(HEAD_FILL)
        canvas.rect(0, top - data.head_height, width, data.head_height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        text.setFont(FONT_BOLD, CELL_SIZE, CELL_LEADING)
        self._cells(text, data.head, top)
        text.setFont(FONT, CELL_SIZE, CELL_LEADING)
        rules = []
        y = top - data.head_height
        for index in range(self.start, self.end):
            row = data.rows[index]
            self._cells(text, [_lines(v, w) for v, w in zip(row, data.inner, strict=False)], y)
            y -= data.tops[index + 1] - data.tops[index]
            rules.append((0, y, width, y))
        canvas.drawText(text)
        canvas.setStrokeColor(ROW_RULE)
        canvas.setLineWidth(0.25)
        canvas.lines(rules)
        canvas.setStrokeColor(HEAD_RULE)
        canvas.setLineWidth(0.8)
        canvas.line(0, top - data.head_height, width, top - data.head_height)
        canvas.restoreState()

    def _cells(self, text: Any, cells: list[list[str]], y: float) -> None:
        x = 0.0
        for lines, column in zip(cells, self.data.widths, strict=False):
            if lines:
                text.setTextOrigin(x + PAD_X, y - PAD_Y - CELL_SIZE)
                for line in lines:
                    text.textLine(line)
            x += column


def _table(data: DataTable, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    flow: list[Any] = []
    if data.caption:
        flow.append(Paragraph(escape(data.caption), styles["caption"]))
    weights = data.widths or tuple(1.0 for _ in data.headers)
    total = sum(weights)
    flow += [_Rows(_RowData(data, [width * w / total for w in weights]), 0, max(1, len(data.rows)))]
    flow.append(Spacer(1, 8))
    return flow


HEAT_COLOURS = ("#e8f3ea", "#fff1c2", "#ffd0a8", "#ffb3ad")


def _bars(chart: Bars, width: float) -> Drawing:
    label_width, bar_height, gap = width * 0.38, 12, 5
    height = len(chart.values) * (bar_height + gap) + 10
    drawing = Drawing(width, height, initialFontName=FONT)
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
    drawing = Drawing(label_width + cell_width * len(chart.columns), height, initialFontName=FONT)
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
            ("FONT", (0, 0), (-1, -1), FONT),  # the table's own default would be Helvetica
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
    toc = TableOfContents(
        tableStyle=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
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
    template.multiBuild(story, canvasmaker=_Canvas)
