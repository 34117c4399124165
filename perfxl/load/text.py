"""Text dumps: a tab-separated .txt / .tsv (a form copied out of Excel) as one grid of its lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .grid import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, Grid, ReadError, capped
from .zipsafe import MAX_FILE_BYTES, read_regular

#: What str.splitlines splits on.
_LINE_BREAK_RE = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def text_grids(path: Path, text: str) -> list[Grid]:
    """One grid holding every line of a tab-separated text dump (forms are split by the reader)."""
    # Only the first MAX_ROWS lines are split (50 MB of empty lines would be 50 million strings),
    # and a line only into MAX_COLS cells (a line of a million tabs is not a million cells).
    end = None
    for n, m in enumerate(_LINE_BREAK_RE.finditer(text)):
        if n == MAX_ROWS:
            end = m.start()
            break
    lines = text[:end].splitlines()[:MAX_ROWS]
    rows: list[list[Any]] = [
        line.split("\t", MAX_COLS)[:MAX_COLS]
        if len(line) <= MAX_CELL_CHARS
        else [capped(cell) for cell in line.split("\t", MAX_COLS)[:MAX_COLS]]
        for line in lines
    ]
    clipped = end is not None or any(line.count("\t") >= MAX_COLS for line in lines)
    return [Grid(rows=rows, file=str(path), sheet=None, first_line=1, clipped=clipped)]


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's content, as UTF-8 (with or without BOM), else GB18030 (common on Chinese Windows).

    Raises:
        ReadError: not a regular file, larger than ``limit`` bytes, or in neither encoding.
    """
    data = read_regular(path, limit)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(path, "文本文件编码无法识别（应为 UTF-8 或 GBK）")
