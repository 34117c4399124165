"""The reader's fast paths give what the plain ways give: labels found by their first character."""

import pytest

from perfxl.load import load_grids
from perfxl.read import cells as R
from tests.support.labels import ANY_LABEL_RE
from tests.support.seed import XLSX

SEEDS = XLSX


def _label_texts() -> list[str]:
    """Every spelling of every label, with the punctuation of either width, alone and with a value."""
    out = []
    for spec in R.LABELS:
        for word in spec.words:
            for text in {
                word,
                word.replace("(", "（").replace(")", "）").replace(":", "："),
                word.replace("（", "(").replace("）", ")").replace("：", ":"),
                word.replace(":", ""),
            }:
                out += [text, text + "：100", text + " 张三"]
    return out


def _label_chars() -> set[str]:
    """Characters a label could plausibly start with: every character of every label, brackets and
    colons of either width, and the full-width ASCII forms."""
    chars = {ch for spec in R.LABELS for word in spec.words for ch in word}
    chars |= set("(（)）:：、,，.．") | {chr(c) for c in range(0xFF01, 0xFF5F)} | {chr(c) for c in range(0x21, 0x7F)}
    return chars


def test_every_label_starts_with_a_first_char():
    texts = _label_texts()
    assert texts
    for text in texts:
        assert ANY_LABEL_RE.match(text), text
        assert text[0] in R.LABEL_FIRST_CHARS, text


def test_no_label_starts_with_another_char():
    # a text whose first character is not in the set is never a label, whatever follows it
    for ch in sorted(_label_chars() - R.LABEL_FIRST_CHARS):
        if ch.isspace():
            continue
        for text in _label_texts():
            assert ANY_LABEL_RE.match(ch + text[1:]) is None, ch + text[1:]
            assert ANY_LABEL_RE.match(ch + text) is None, ch + text


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:2])
def test_cells_mark_the_labels_the_plain_way_marks(seed):
    for grid in load_grids(seed):
        rows = R.grid_cells(grid, 0, len(grid.rows))
        for row in rows:
            for cell in row:
                plain = R.Cell(cell.row, cell.col, cell.value, cell.text, cell.percent)
                R.match_label(plain)  # every cell through the full matcher
                assert (plain.label, plain.inline) == (cell.label, cell.inline), cell.text
