"""Go's text/tabwriter in Python, for the two ways kubectl aligns text.

kubectl get writes tab-separated rows through `tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)`
(cli-runtime printers.GetNewTabWriter); kubectl describe through `Init(buf, 0, 8, 2, ' ', 0)`
(describe.tabbedString). `align_rows` is the fast path for a table whose rows all have the same
number of cells; `tabwrite` is the general algorithm with column blocks (a line with fewer cells
ends a block), which describe needs. Called by kubesim.view.tables and kubesim.view.describe.
"""

from __future__ import annotations

#: kubectl get: minwidth 6, padding 3
GET_MINWIDTH, GET_PADDING = 6, 3
#: kubectl describe: minwidth 0, padding 2
DESCRIBE_MINWIDTH, DESCRIBE_PADDING = 0, 2


def align_rows(
    rows: list[list[str]], minwidth: int = GET_MINWIDTH, padding: int = GET_PADDING
) -> str:
    """Rows of equal length as tabwriter prints them: every cell but the last padded to its
    column's width (widest cell + padding, at least minwidth); one line per row."""
    if not rows:
        return ""
    ncols = len(rows[0])
    widths = [minwidth] * (ncols - 1)
    for row in rows:
        for i in range(ncols - 1):
            w = len(row[i]) + padding
            if w > widths[i]:
                widths[i] = w
    out = []
    for row in rows:
        parts = [row[i].ljust(widths[i]) for i in range(ncols - 1)]
        parts.append(row[-1])
        out.append("".join(parts))
    return "\n".join(out) + "\n"


def tabwrite(text: str, minwidth: int = DESCRIBE_MINWIDTH, padding: int = DESCRIBE_PADDING) -> str:
    """text/tabwriter.Writer.Write + Flush for `text` (cells end with a tab, lines with \\n)."""
    lines = [line.split("\t") for line in text.split("\n")]
    trailing = lines.pop()  # the text after the last newline (usually empty)
    out: list[str] = []
    _format(lines, 0, len(lines), [], minwidth, padding, out)
    return "".join(out) + "\t".join(trailing)


def _format(
    lines: list[list[str]],
    line0: int,
    line1: int,
    widths: list[int],
    minwidth: int,
    padding: int,
    out: list[str],
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            w = len(lines[this][column]) + padding
            if w > width:
                width = w
            this += 1
        widths.append(width)
        _format(lines, line0, this, widths, minwidth, padding, out)
        widths.pop()
        line0 = this
    _write_lines(lines, line0, line1, widths, out)


def _write_lines(
    lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]
) -> None:
    for i in range(line0, line1):
        cells = lines[i]
        parts = []
        for j, cell in enumerate(cells):
            parts.append(cell.ljust(widths[j]) if j < len(widths) else cell)
        out.append("".join(parts) + "\n")
