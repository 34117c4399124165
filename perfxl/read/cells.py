"""Cells of a grid as the reader sees them: each with its text as shown and, when it starts with
one, the form label it carries (项目名称, 预算数:, 填报人张聪 …).

Label lookup is the reader's hottest path (every text cell of every form): a cell's text is tried
only against the labels that can start with its first two characters, and a label written alone in
its cell is found in a table of plain spellings; tests/read/test_cells.py checks both against
trying every label in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import product

from ..load import Grid, is_excel_error, render
from ..model import MONEY_UNITS
from ..values import parse_value
from .layouts import LABEL_SPELLINGS


def _label_regex(word: str) -> str:
    """A label as a regex that allows spaces between characters and either width of punctuation."""
    out = []
    for ch in word:
        if ch in "(（":
            out.append(r"[(（]")
        elif ch in ")）":
            out.append(r"[)）]")
        elif ch in ":：":
            out.append(r"[:：]?")
        else:
            out.append(re.escape(ch))
    return r"\s*".join(out)


@dataclass(frozen=True)
class LabelSpec:
    """A label of the form.

    Attributes:
        field: what it labels (see :data:`~perfxl.read.layouts.LABEL_SPELLINGS`).
        words: its spellings.
        inline: whether the same cell may carry the value after the label (the same).
    """

    field: str
    words: tuple[str, ...]
    inline: str = "colon"
    regex: re.Pattern = dataclass_field(init=False, compare=False, repr=False)
    #: ``field`` taken apart once, not for every label cell: ``section``, ``block``, ``amount`` or
    #: ``text`` (a Form field), and for a block or an amount its block ("*": the one in force) and part.
    kind: str = dataclass_field(init=False, compare=False, repr=False)
    block: str = dataclass_field(init=False, compare=False, repr=False)
    part: str = dataclass_field(init=False, compare=False, repr=False)

    def __post_init__(self):
        alternatives = "|".join(_label_regex(w) for w in sorted(self.words, key=len, reverse=True))
        object.__setattr__(self, "regex", re.compile(rf"^\s*(?:{alternatives})"))
        kind, _, rest = self.field.partition(":")
        block, _, part = rest.partition(".")
        object.__setattr__(self, "kind", kind if kind in ("section", "block", "amount") else "text")
        object.__setattr__(self, "block", block)
        object.__setattr__(self, "part", part)


LABELS: tuple[LabelSpec, ...] = tuple(LabelSpec(f, words, inline) for f, words, inline in LABEL_SPELLINGS)


def _first_chars(word: str) -> str:
    """The characters a cell's stripped text can start with when ``word`` (as _label_regex spells
    it) is its label: the word's first character, either width of a bracket, past an optional colon."""
    for ch in word:
        if ch in "(（)）":
            return "(（" if ch in "(（" else ")）"
        if ch not in ":：":
            return ch
    return ""


def _specs_by_first_char() -> dict[str, tuple[LabelSpec, ...]]:
    by_char: dict[str, list[LabelSpec]] = {}
    for spec in LABELS:
        for ch in "".join(_first_chars(w) for w in spec.words):
            specs = by_char.setdefault(ch, [])
            if spec not in specs:
                specs.append(spec)
    return {ch: tuple(specs) for ch, specs in by_char.items()}


#: For each character a label can start with, the specs with a spelling that starts with it, in
#: LABELS order (no other spec's regex can match a text starting with it): the first filter, made
#: finer by SPECS_BY_HEAD below.
SPECS_BY_FIRST_CHAR = _specs_by_first_char()
#: Every character a label can start with: a stripped text starting with none is no label, and
#: costs one set lookup instead of any regex.
LABEL_FIRST_CHARS = frozenset(SPECS_BY_FIRST_CHAR)


def _heads(word: str) -> set[str]:
    """The first two characters, whitespace left out, of every text that ``word`` (as
    _label_regex spells it) starts: either width of a bracket, an optional colon there or not."""
    options = [
        ("(", "（") if ch in "(（" else (")", "）") if ch in ")）" else (":", "：", "") if ch in ":：" else (ch,)
        for ch in word
    ]
    heads = {"".join(chars)[:2] for chars in product(*options)}
    if any(len(head) < 2 for head in heads):  # label_of could not look such a label up
        raise ValueError(f"a label needs two characters besides a colon: {word!r}")
    return heads


def _specs_by_head() -> dict[str, tuple[LabelSpec, ...]]:
    by_head: dict[str, list[LabelSpec]] = {}
    for spec in LABELS:
        for word in spec.words:
            for head in _heads(word):
                specs = by_head.setdefault(head, [])
                if spec not in specs:
                    specs.append(spec)
    return {head: tuple(specs) for head, specs in by_head.items()}


#: For each two characters a label can start with (whitespace left out), the specs with a spelling
#: that starts with them, in LABELS order: a text is tried against these only, as no other spec's
#: regex can match it (most texts starting with a label's first character, 一级指标, 预期指标值,
#: are then tried against none or one).
SPECS_BY_HEAD = _specs_by_head()
SECTION_RE = re.compile(r"^\s*([一二三四五六])\s*[、,，.．]")
BLOCKS = ("budget", "received", "spent")


def squash(text: str) -> str:
    """``text`` without any whitespace, as a regex substitution of whitespace runs would give it,
    only faster (str.split and the re module agree on what whitespace is, for every code point)."""
    return "".join(text.split())


@dataclass(slots=True)  # slots: tens of thousands are made per second
class Cell:
    row: int
    col: int
    value: object
    text: str
    percent: bool = False
    label: LabelSpec | None = None
    inline: str = ""  # text after the label in the same cell
    claimed: bool = False
    waits_for: str = ""  # for a label whose value is on the next row: the field it fills


def label_of(text: str) -> tuple[LabelSpec | None, str]:
    """The label ``text`` starts with and what follows it in the same cell; (None, "") for no label."""
    head = "".join(text[:6].split())[:2]  # a label's first two characters: spaces may stand between
    if len(head) < 2:
        head = squash(text)[:2]
    for spec in SPECS_BY_HEAD.get(head, ()):
        if spec.kind == "section":
            # its spellings are two characters (一、): a text with one as its head matches the regex
            # (test_reader_fast), and a section label takes nothing inline
            return spec, ""
        m = spec.regex.match(text)
        if not m:
            continue
        rest = text[m.end() :].strip()
        colon = rest[:1] in (":", "：")
        value = rest.lstrip(":： \t").strip()
        if value:
            if spec.inline == "never":
                continue
            if spec.inline == "colon" and not colon:
                continue
            if spec.inline == "money" and value not in MONEY_UNITS:
                continue
            if spec.inline == "number":
                parsed = parse_value(value)
                if parsed.number is None or parsed.op or not colon and not starts_numeric(value):
                    continue
        elif spec.inline == "money":  # 单位 alone is no money unit's label (单位 of what?)
            continue
        return spec, value
    return None, ""


def match_label(cell: Cell) -> None:
    """Mark ``cell`` as a label when its text starts with one, and keep what follows it."""
    if not isinstance(cell.value, str):
        return
    label, inline = PLAIN_LABELS.get(cell.text) or label_of(cell.text)
    if label is not None:
        cell.label, cell.inline = label, inline


#: Spellings of a number that is not one: where a number belongs they are a wrong value, not no value.
_NOT_FINITE_WORDS = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


def has_digit(cell: Cell) -> bool:
    """Whether a cell holds what is meant as a number: digits, a number, or a broken one (#NAME?, NaN)."""
    return (
        not isinstance(cell.value, str)
        or any(ch.isdigit() for ch in cell.text)
        or is_excel_error(cell.value)
        or cell.text.strip().lower() in _NOT_FINITE_WORDS
    )


_NUMERIC_START_RE = re.compile(r"[\s\d０-９.,，-]")


def starts_numeric(text: str) -> bool:
    """Whether ``text`` starts like a number (a digit, a sign, a point or a space before one)."""
    return _NUMERIC_START_RE.match(text) is not None


def _plain_spellings(word: str):
    """``word`` as forms write it alone in a cell: either width of each bracket and colon, an inner
    colon left out or followed by a space, and with or without a colon after it."""
    options = [
        ("(", "（")
        if ch in "(（"
        else (")", "）")
        if ch in ")）"
        else (":", "：", "", ": ", "： ")
        if ch in ":："
        else (ch,)
        for ch in word
    ]
    for chars in product(*options, ("", ":", "：")):
        yield "".join(chars)


#: What label_of finds in each plain spelling of a label, worked out here once: most label cells
#: of a form hold just the label, and then cost one dict lookup instead of regexes.
PLAIN_LABELS: dict[str, tuple[LabelSpec | None, str]] = {
    text: label_of(text) for spec in LABELS for word in spec.words for text in _plain_spellings(word)
}


def grid_cells(grid: Grid, start: int, stop: int) -> list[list[Cell]]:
    """Non-empty cells of rows [start, stop), labels marked."""
    grid_rows = grid.rows
    cells = grid.cells
    if cells is None or start != 0 or stop != len(grid_rows):
        # no list from the source: the rectangle's cells that are not "", in the same order
        cells = [((r, c), value) for r in range(start, stop) for c, value in enumerate(grid_rows[r]) if value != ""]
    rows: list[list[Cell]] = [[] for _ in range(start, stop)]
    percent_cols: dict[int, set[int]] = {}  # row → its percent-formatted columns
    for r, c in grid.percent:
        percent_cols.setdefault(r, set()).add(c)
    label_first = LABEL_FIRST_CHARS
    plain_labels = PLAIN_LABELS
    current, row, percents = -1, rows[0] if rows else [], None
    for (r, c), value in cells:
        if value == "":  # None, rarer, is rendered "" below and skipped there
            continue
        if r != current:  # the cells come row by row: a row's list and percent columns once a row
            current, row, percents = r, rows[r - start], percent_cols.get(r)
        percent = percents is not None and c in percents
        if type(value) is str:  # render() of text, without the call
            text = value.strip()
            if not text:
                continue
            # what match_label does, for the few texts a label can start with
            if text[0] in label_first:
                label, inline = plain_labels.get(text) or label_of(text)
                row.append(Cell(r, c, value, text, percent, label, inline))
            else:
                row.append(Cell(r, c, value, text, percent))
        elif type(value) is float and not percent and value.is_integer() and -1e15 < value < 1e15:
            # a whole number (分值, 得分, most amounts): render() of it, without the call
            row.append(Cell(r, c, value, str(int(value)), False))
        else:
            text = render(value, percent)
            if not text:
                continue
            cell = Cell(r, c, value, text, percent)
            if isinstance(value, str):  # match_label marks text only: numbers and dates skip it
                match_label(cell)
            row.append(cell)
    return rows


def is_rate(cell: Cell) -> bool:
    value = cell.value
    if type(value) is float and -1e15 < value < 1e15:
        # rendered as plain digits, with a % exactly in a percent cell: what parse_value would say
        # (test_reader_fast), without parsing the text
        return cell.percent
    parsed = parse_value(cell.text)
    return parsed.number is not None and (parsed.percent or cell.percent)


def first_rate(cells: list[Cell]) -> Cell | None:
    for cell in cells:
        if not cell.claimed and is_rate(cell):
            return cell
    return None
