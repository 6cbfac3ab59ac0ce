"""A table without rich's Table: columns laid out once per frame, rows drawn as single lines.

The stage panels used rich Tables (no box, one space of padding each side of a cell but not at
the edges, expanding to the width given, cells that end in an ellipsis instead of wrapping).
Laying out such a table re-measures every cell and renders each cell as a renderable of its own,
which made a frame cost 10-40 ms. `Grid` computes the column widths with the same arithmetic as
rich's Table (`Table._calculate_column_widths` for that configuration: same widths, same
ellipses, same styles), then pads and truncates each cell itself and draws a row as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich._ratio import ratio_distribute, ratio_reduce
from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

Cell = str | Text


@dataclass(frozen=True)
class Col:
    """A column: a fixed `width`, or as wide as its widest cell up to `max_width`; `ratio`
    columns share what is left of the width; numbers are right justified."""

    header: str = ""
    width: int | None = None
    max_width: int | None = None
    ratio: int | None = None
    right: bool = False


HEADER_STYLE = "bold"
_ELLIPSIS = "…"


class Grid:
    """Rows of cells in columns; `rows` are (cells, row style or None)."""

    def __init__(
        self, cols: Sequence[Col], rows: list[tuple[list[Cell], str | None]], header: bool
    ) -> None:
        self.cols = list(cols)
        self.rows = rows
        self.header = header

    # ----------------------------------------------------------------------------- widths
    def _paddings(self) -> list[tuple[int, int]]:
        last = len(self.cols) - 1
        return [(0 if i == 0 else 1, 0 if i == last else 1) for i in range(len(self.cols))]

    def _column_maxima(self, limits: list[int], pads: list[tuple[int, int]]) -> list[int]:
        """The maximum of each column's measurement when it may take `limits[i]` cells."""
        out = []
        for i, (col, limit) in enumerate(zip(self.cols, limits, strict=True)):
            if limit < 1:
                out.append(0)
                continue
            extra = pads[i][0] + pads[i][1]
            if col.width is not None:
                out.append(min(col.width + extra, limit))
                continue
            if limit - extra < 1:
                widest = limit
            else:
                lengths = [cell_len(_plain(cells[i])) for cells, _ in self.rows]
                if self.header:
                    lengths.append(cell_len(col.header))
                widest = min(max(lengths) + extra, limit) if lengths else limit
            if col.max_width is not None:
                widest = min(widest, col.max_width + extra)
            out.append(widest)
        return out

    def widths(self, max_width: int) -> list[int]:
        """Each column's width, padding included (what rich's Table would give them)."""
        cols = self.cols
        if not cols:
            return []
        pads = self._paddings()
        maxima = self._column_maxima([max_width] * len(cols), pads)
        widths = [m or 1 for m in maxima]
        ratios = [col.ratio or 0 for col in cols if col.ratio is not None]
        if any(ratios):
            fixed = [0 if col.ratio is not None else m for col, m in zip(cols, maxima, strict=True)]
            flex_minimum = [
                (col.width or 1) + pads[i][0] + pads[i][1]
                for i, col in enumerate(cols)
                if col.ratio is not None
            ]
            flex = iter(ratio_distribute(max_width - sum(fixed), ratios, flex_minimum))
            for i, col in enumerate(cols):
                if col.ratio is not None:
                    widths[i] = fixed[i] + next(flex)
        table_width = sum(widths)
        if table_width > max_width:
            # no column wraps (all are no_wrap), so only the last resort applies: reduce evenly
            widths = ratio_reduce(table_width - max_width, [1] * len(widths), widths, widths)
            table_width = sum(widths)
            widths = self._column_maxima(widths, pads)
        if table_width < max_width:
            pad = ratio_distribute(max_width - table_width, widths)
            widths = [w + p for w, p in zip(widths, pad, strict=True)]
        return widths

    # ----------------------------------------------------------------------------- lines
    def render_lines(self, console: Console, max_width: int) -> list[list[Segment]]:
        """Each line as segments: the plain cells of a row and the spaces between cells are
        one segment in the row's style; styled cells keep their own styles on top of it."""
        widths = self.widths(max_width)
        pads = self._paddings()
        shapes = [
            (w, left, right, w - left - right, col.right)
            for w, (left, right), col in zip(widths, pads, self.cols, strict=True)
        ]
        get_style = console.get_style
        out: list[list[Segment]] = []
        if self.header:
            plain = "".join(
                _cell_str(col.header, shape) for col, shape in zip(self.cols, shapes, strict=True)
            )
            out.append([Segment(plain, get_style(HEADER_STYLE))])
        null = Style.null()
        for cells, row_style in self.rows:
            style = get_style(row_style) if row_style else null
            line: list[Segment] = []
            pending: list[str] = []
            for cell, shape in zip(cells, shapes, strict=True):
                if isinstance(cell, str):
                    pending.append(_cell_str(cell, shape))
                    continue
                width, left, right, inner, justify_right = shape
                if inner <= 0:
                    pending.append((" " * (left + right))[:width])
                    continue
                pending.append(" " * left)
                if any(pending):
                    line.append(Segment("".join(pending), style))
                pending = [" " * right]
                line.extend(_styled(console, _fit_text(cell, inner, justify_right), style))
            if any(pending):
                line.append(Segment("".join(pending), style))
            out.append(line)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.render_lines(console, options.max_width):
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)


def _styled(console: Console, text: Text, under: Style) -> list[Segment]:
    """The segments of `text` (its own style, then its spans) over the style `under`."""
    if not text._spans:
        style = console.get_style(text.style) if text.style else Style.null()
        return [Segment(text.plain, under + style)] if text.plain else []
    outer = Text(end="")
    outer.append(text)
    if not under:
        return list(outer.render(console))
    return [Segment(t, under + s if s else under) for t, s, _ in outer.render(console)]


def _fit_text(cell: Text, inner: int, right: bool) -> Text:
    """A copy of `cell` justified in `inner` cells, as rich renders a table cell."""
    text = cell.copy()
    if right:
        text.rstrip()
        text.truncate(inner, overflow="ellipsis")
        text.pad_left(inner - cell_len(text.plain))
    else:
        text.truncate(inner, overflow="ellipsis", pad=True)
    return text


def _plain(cell: Cell) -> str:
    """What a cell measures: the widest of its lines."""
    text = cell if isinstance(cell, str) else cell.plain
    return max(text.splitlines(), key=cell_len) if "\n" in text else text


def _fit(plain: str, inner: int, right: bool) -> str:
    """`plain` truncated with an ellipsis (or padded) to `inner` cells."""
    if right:
        plain = plain.rstrip()
    length = cell_len(plain)
    if length > inner:
        plain = set_cell_size(plain, inner - 1) + _ELLIPSIS
        length = inner
    if length < inner:
        plain = " " * (inner - length) + plain if right else plain + " " * (inner - length)
    return plain


def _cell_str(plain: str, shape: tuple[int, int, int, int, bool]) -> str:
    width, left, right, inner, justify_right = shape
    if inner <= 0:
        return (" " * (left + right))[:width]
    return " " * left + _fit(plain, inner, justify_right) + " " * right
