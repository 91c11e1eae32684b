"""`dl log --graph`: history drawn on a grid of columns, laid out as Dolt's `log --graph` lays it
out, so that a Dolt user (and a script reading its lines) sees the same shape.

Commits arrive newest first with every child before its parents. Each commit gets a column
(`_columns`): a commit no listed commit descends from opens a new one; a commit that is the
first parent of some child takes the leftmost of those children's columns; a commit reached
only as a merge's other parent takes the first column to the right of its children that is free
from its highest child down, or a new one. Columns are two characters apart. Rows: with
`--oneline`, a commit sits one row below the previous, or lower if a child is far to the side
(so a diagonal has room); in full, each commit takes its text's height and one row more. Edges
to parents are drawn as Dolt draws them (`|`, `/`, `\\`, `-`), then each commit's lines are
printed beside its rows. Output is plain ASCII so it survives pipes and pagers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dl.core.hashing import Address
    from dl.core.versioning.commit import Commit


def draw(commits: list[tuple["Address", "Commit"]], texts: list[str], *, one_line: bool = False) -> str:
    """The commits' texts (one line each with `one_line`), each beside the graph at its rows."""
    if not commits:
        return ""
    lines = [text.rstrip("\n").split("\n") for text in texts]
    children = _children(commits)
    columns = [2 * c for c in _columns(commits, children)]
    rows = _rows_by_shape(columns, children) if one_line else _rows_by_height(lines)
    grid = _grid(commits, columns, rows, len(lines[-1]))
    out = _one_line(grid, rows, lines) if one_line else _full(grid, columns, rows, lines)
    return "\n".join(line.rstrip() for line in out) + "\n"


def _children(commits: list[tuple["Address", "Commit"]]) -> list[list[int]]:
    """For each commit, the positions of the listed commits that have it as a parent."""
    position = {address: i for i, (address, _) in enumerate(commits)}
    children: list[list[int]] = [[] for _ in commits]
    for i, (_, commit) in enumerate(commits):
        for parent in commit.parents:
            if parent in position:
                children[position[parent]].append(i)
    return children


def _columns(commits: list[tuple["Address", "Commit"]], children: list[list[int]]) -> list[int]:
    """Each commit's column (before spacing), as Dolt assigns them; each column keeps the row
    spans its lines of descent occupy, so a merged-in branch reuses a column once it is free."""
    spans: list[list[list[int]]] = []  # per column, [start, end] rows in use
    column = [0] * len(commits)
    for i, (address, _) in enumerate(commits):
        kids = children[i]
        descendants = [c for c in kids if commits[c][1].parents[0] == address]
        if not kids:
            spans.append([[i, i]])
            column[i] = len(spans) - 1
        elif descendants:
            taken = [column[c] for c in descendants]
            column[i] = min(taken)
            spans[column[i]][-1][1] = i
            for other in taken:
                if other != column[i]:
                    spans[other][-1][1] = i - 1
        else:
            top, right = min(kids), max(column[c] for c in kids)
            free = next((k for k in range(right + 1, len(spans)) if top >= spans[k][-1][1]), None)
            if free is None:
                spans.append([[top + 1, i]])
                column[i] = len(spans) - 1
            else:
                spans[free].append([top + 1, i])
                column[i] = free
    return column


def _rows_by_shape(columns: list[int], children: list[list[int]]) -> list[int]:
    """`--oneline` rows: one below the previous commit, or as low as a child's distance to the
    side needs for a diagonal edge."""
    rows: list[int] = []
    for i, column in enumerate(columns):
        row = 0 if i == 0 else rows[-1] + 1
        for child in children[i]:
            row = max(row, abs(column - columns[child]) + rows[child])
        rows.append(row)
    return rows


def _rows_by_height(lines: list[list[str]]) -> list[int]:
    """Full rows: each commit's text takes its lines and one row more."""
    rows, row = [], 0
    for text in lines:
        rows.append(row)
        row += len(text) + 1
    return rows


def _grid(commits: list[tuple["Address", "Commit"]], columns: list[int], rows: list[int],
          last_height: int) -> list[str]:
    """The graph's rows as text: each commit's `*` and the edges to its listed parents."""
    height = max(rows) + last_height
    width = max(columns) + 2
    grid = [[" "] * width for _ in range(height)]

    def put(row: int, col: int, mark: str, *, only_blank: bool = False) -> None:
        if 0 <= row < height and 0 <= col < width and (not only_blank or grid[row][col] == " "):
            grid[row][col] = mark
    position = {address: i for i, (address, _) in enumerate(commits)}
    for i, (_, commit) in enumerate(commits):
        col, row = columns[i], rows[i]
        put(row, col, "*")
        for parent in commit.parents:
            if parent not in position:
                continue
            p_col, p_row = columns[position[parent]], rows[position[parent]]
            across, down = abs(col - p_col), p_row - row
            if p_col == col:
                for r in range(row + 1, p_row):
                    put(r, col, "|", only_blank=True)
            elif p_col < col:  # a branch joins its parent's column leftwards
                if across > down:
                    for k in range(1, down):
                        put(p_row - k, p_col + across - down + k, "/")
                    for k in range(p_col, p_col + across - down + 1):
                        put(p_row, k, "-", only_blank=True)
                else:
                    for k in range(p_col + 1, col):
                        put(p_row + p_col - k, k, "/")
                    for r in range(p_row + p_col - col, row, -1):
                        put(r, col, "|", only_blank=True)
            else:  # a merge reaches its other parent to the right
                if down > across:
                    for k in range(col + 1, p_col):
                        put(row + k - col, k, "\\")
                    for r in range(row + p_col - col, p_row):
                        put(r, p_col, "|", only_blank=True)
                else:
                    for k in range(down):
                        put(p_row - k, p_col - k, "\\")
                    for k in range(col + 1, p_col - down + 1):
                        put(row, k, "-", only_blank=True)
    return ["".join(cells).rstrip() for cells in grid]


def _one_line(grid: list[str], rows: list[int], lines: list[list[str]]) -> list[str]:
    """Each commit's line beside its row; the rows between commits alone."""
    out: list[str] = []
    previous = -1
    for row, text in zip(rows, lines):
        out += grid[previous + 1:row]
        out.append(f"{grid[row]} {text[0]}")
        previous = row
    return out


def _full(grid: list[str], columns: list[int], rows: list[int], lines: list[list[str]]) -> list[str]:
    """Each commit's lines beside its rows, after the widest graph row of its span (so text
    never overlaps an edge); a blank line of the text is the graph row alone."""
    out: list[str] = []
    for i, (row, text) in enumerate(zip(rows, lines)):
        end = rows[i + 1] if i + 1 < len(rows) else row + len(text)
        start = max([columns[i] + 1, *(len(grid[r]) for r in range(row, end))]) \
            if i + 1 < len(rows) else len(grid[row])
        for k, line in enumerate(text):
            graph = grid[row + k]
            out.append(f"{graph.ljust(start)} {line}" if line else graph)
        out += grid[row + len(text):end]
    return out
