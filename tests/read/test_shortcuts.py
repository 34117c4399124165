"""The reader's shortcuts give what the full tests give.

- labels: a text is tried only against the specs that can start with its first character, and a
  plain spelling of a label is looked up in a table; both must agree with trying every spec in
  order (the matcher as it was before the shortcuts, kept here as the reference);
- 一级 headings: a text starting with an ASCII character or a CJK ideograph other than a stem's
  first character is no heading, without normalising it;
- normalize_text translates only texts holding a mapped character;
- _label_of tries a text only against the specs with a spelling starting with its first two
  characters (whitespace left out);
- _level1 tries a heading as typed before normalising it: a match there is the normalised one;
- _is_rate of a finite number is its cell's percent format, without parsing its text; render()
  and _Builder.number take a float first; parse_value of a str skips its type tests;
- _align's running minimum is the plain dynamic programme; _find_header looks closer only at rows
  with an 一级指标 heading; a 总分 row is tried only when its text starts with 总 or 合; _cells
  renders every cell as render() does (a whole float written out by _cells itself);
- the placeholders and 二级 names looked up in sets before their regexes are texts the regexes
  match; a section label is taken on its two-character head.
"""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from perfxl import values as V
from perfxl.read import align as A
from perfxl.read import builder as B
from perfxl.read import cells as C
from perfxl.read import table as T
from tests.support.labels import ANY_LABEL_RE


def _reference_label(text: str):
    """Every spec in LABELS order from the first one ANY_LABEL_RE finds: the full matcher."""
    found = ANY_LABEL_RE.match(text)
    if not found:
        return None, ""
    for spec in C.LABELS[found.lastindex - 1 :]:
        m = spec.regex.match(text)
        if not m:
            continue
        rest = text[m.end() :].strip()
        colon = rest[:1] in (":", "：")
        value = rest.lstrip(":： \t").strip()
        if spec.field == "section":
            return spec, ""
        if value:
            if spec.inline == "never":
                continue
            if spec.inline == "colon" and not colon:
                continue
            if spec.inline == "money" and value not in ("万元", "万", "元", "千元", "亿元"):
                continue
            if spec.inline == "number":
                parsed = V.parse_value(value)
                if parsed.number is None or parsed.op or not colon and not C.starts_numeric(value):
                    continue
        elif spec.inline == "money":
            continue
        return spec, value
    return None, ""


def _label_texts() -> list[str]:
    """Every plain spelling of every label, alone, with a value, a space, or a word after it."""
    out = []
    for spec in C.LABELS:
        for word in spec.words:
            for text in C._plain_spellings(word):
                out += [text, text + "100", text + "：100", text + " 张三", text + "情况", " " + text, text + "(10分)"]
    return out


_LABEL_CHARS = sorted(
    {ch for spec in C.LABELS for word in spec.words for ch in word} | set("(（)）:：、 \t0123456789分指标")
)


def test_specs_by_first_char_hold_every_spec_that_matches():
    for text in _label_texts():
        first = text.lstrip()[:1]
        for spec in C.LABELS:
            if spec.regex.match(text):
                assert spec in C.SPECS_BY_FIRST_CHAR.get(first, ()), (spec.field, text)


def test_label_of_agrees_with_the_full_matcher_on_label_texts():
    for text in _label_texts():
        assert C.label_of(text) == _reference_label(text), text


def test_plain_labels_are_what_the_full_matcher_finds():
    assert C.PLAIN_LABELS
    for text, found in C.PLAIN_LABELS.items():
        assert found == _reference_label(text), text


@settings(deadline=None)
@given(st.lists(st.sampled_from(_LABEL_CHARS), max_size=14).map("".join) | st.text(max_size=12))
def test_label_of_agrees_with_the_full_matcher(text):
    assert C.label_of(text) == _reference_label(text)
    cell = C.Cell(0, 0, text, text)
    C.match_label(cell)
    assert (cell.label, cell.inline) == _reference_label(text)


def _cjk_or_ascii(ch: str) -> bool:
    return ch < "\x80" or "\u4e00" <= ch <= "\u9fff"


def test_ascii_and_cjk_ideographs_stay_first_under_nfkc():
    # _level1 skips normalize_text for a text starting with such a character: it stays where it
    # stands (NFKC leaves it alone, and no canonical composition starts with an ideograph; one
    # starting with an ASCII letter gives a Latin letter, which starts no stem either).
    for cp in list(range(0x80)) + list(range(0x4E00, 0xA000)):
        ch = chr(cp)
        assert unicodedata.normalize("NFKC", ch) == ch
        assert ch not in V._CHAR_MAP and cp not in V._CHAR_MAP
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = decomposition.split()
        first = chr(int(parts[0], 16))
        if len(parts) > 1 and _cjk_or_ascii(first):
            assert not ("\u4e00" <= first <= "\u9fff"), hex(cp)
            assert chr(cp) not in T._LEVEL1_STEMS


def test_level1_stems_are_the_regex_stems():
    stems = T._LEVEL1_RE.pattern.split("(", 2)[1].split(")")[0].split("|")
    assert T._LEVEL1_STEMS == frozenset(s[0] for s in stems)


_HEADINGS = ["产出指标(90分)", "成本指标", "满意度指标（0分）", "预算执行率指标 (10分)", "效益指标", "服务对象满意度"]


@settings(deadline=None)
@given(
    st.sampled_from(_HEADINGS + ["经济效益指标", "数量指标", "指标 1", "a产出", "1效益"]) | st.text(max_size=10),
    st.text(max_size=6),
)
def test_level1_shortcut_skips_only_what_cannot_be_a_heading(head, tail):
    text = head + tail
    first = text.lstrip()[:1]
    if first not in T._LEVEL1_STEMS and _cjk_or_ascii(first):
        assert T._LEVEL1_RE.match(C.squash(V.normalize_text(text))) is None
        assert T.level1_heading(C.Cell(0, 0, text, text), None, None) is None


def test_level1_headings_still_found():
    for text in _HEADINGS:
        assert T.level1_heading(C.Cell(0, 0, text, text), None, None) is not None, text


def _normalize_translating_always(text: str) -> str:
    for _ in range(8):
        before = text
        text = unicodedata.normalize("NFKC", text).translate(V._CHAR_MAP)
        text = " ".join(V._angle_marks(text).split())
        if text == before:
            break
    return text


@settings(deadline=None)
@given(
    st.lists(st.sampled_from(sorted({chr(c) for c in V._CHAR_MAP}) + list("≥≤<>=《》 a1中\u0338")), max_size=10).map(
        "".join
    )
    | st.text(max_size=12)
)
def test_normalize_text_translates_when_it_matters(text):
    assert V.normalize_text(text) == _normalize_translating_always(text)


def _reference_align(left, right):
    """The pairing by the plain dynamic programme, one min() per step."""
    if len(left) == len(right):
        return [(i, i) for i in range(len(left))]
    swap = len(left) > len(right)
    a, b = (right, left) if swap else (left, right)
    n, m = len(a), len(b)
    if n == 0:
        return []
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        cost[0][j] = 0
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            cost[i][j] = min(cost[i][j - 1], cost[i - 1][j - 1] + abs(a[i - 1] - b[j - 1]))
    pairs = []
    i, j = n, m
    while i > 0:
        if j > i and cost[i][j] == cost[i][j - 1]:
            j -= 1
            continue
        pairs.append((i - 1, j - 1))
        i, j = i - 1, j - 1
    pairs.reverse()
    return [(q, p) for p, q in pairs] if swap else pairs


_COLUMNS = st.lists(st.integers(0, 12), max_size=7)


@settings(deadline=None)
@given(_COLUMNS, _COLUMNS)
def test_align_is_the_plain_dynamic_programme(left, right):
    assert A.align(left, right) == _reference_align(left, right)
    assert A.align(sorted(left), sorted(set(right))) == _reference_align(sorted(left), sorted(set(right)))


_HEADER_TEXTS = [w for words in T.TABLE_HEADINGS.values() for w in words] + [
    "一 级指标",
    " 一级 指标 ",
    "一、基本情况",
    "一",
    "项目名称",
    "指标 1",
    "90",
    "绩效一级指标",
]


@settings(deadline=None)
@given(st.lists(st.lists(st.sampled_from(_HEADER_TEXTS) | st.text(max_size=5), max_size=7), max_size=4))
def test_find_header_finds_what_the_full_role_scan_finds(texts):
    # find_header looks closer only at rows with an 一级指标 heading: the first row that makes a
    # header when every row is looked at closely is the one it finds
    rows = [[C.Cell(r, c, t, t.strip()) for c, t in enumerate(row) if t.strip()] for r, row in enumerate(texts)]
    expected = next((i for i in range(len(rows)) if T._header(rows, i) is not None), None)
    reference = T._header(rows, expected) if expected is not None else None
    if expected is None:  # a table without 一级 / 二级 columns, only where no row has an 一级指标 heading
        expected = next((i for i, row in enumerate(rows) if T.header_without_level1(row) is not None), None)
        reference = T.header_without_level1(rows[expected]) if expected is not None else None
    at, header = T.find_header(rows)
    assert at == expected
    if at is not None:
        assert header.by_col == reference.by_col


@settings(deadline=None)
@given(
    st.sampled_from(["总分", "总 分", "合计", "合计得分", "总得分", "总计：", " 总分", "分总"]) | st.text(max_size=6)
)
def test_total_row_needs_its_first_character(text):
    # scan_table tries TOTAL_RE only on a text starting with 总, 合 or 综
    if T.TOTAL_RE.match(text):
        assert text[:1] in "总合综"


def test_cells_are_the_plain_rendering_of_every_cell():
    from pathlib import Path

    from perfxl.load import load_grids, render

    seeds = sorted(Path(__file__).resolve().parent.parent.parent.joinpath("examples", "forms").glob("*.xlsx"))
    assert seeds
    for seed in seeds:
        for grid in load_grids(seed):
            expected = []
            for r, values in enumerate(grid.rows):
                for c, value in enumerate(values):
                    percent = (r, c) in grid.percent
                    text = render(value, percent)
                    if text:
                        expected.append((r, c, text, percent))
            got = [
                (cell.row, cell.col, cell.text, cell.percent)
                for row in C.grid_cells(grid, 0, len(grid.rows))
                for cell in row
            ]
            assert got == expected, seed.name


def test_specs_by_head_hold_every_spec_that_matches():
    for text in _label_texts() + [" 填 报\t单 位", "其 中：财政资金", "（ 主管）单位", "实施 （主管）单位"]:
        head = "".join(text.split())[:2]
        for spec in C.LABELS:
            if spec.regex.match(text):
                assert spec in C.SPECS_BY_HEAD.get(head, ()), (spec.field, text)


_SPACES = st.sampled_from([" ", "\t", "\u3000", "\xa0", "      ", " \u3000  \t "])


@settings(deadline=None)
@given(st.lists(st.sampled_from(_LABEL_CHARS) | _SPACES, max_size=10).map("".join), st.text(max_size=4))
def test_label_of_agrees_with_the_full_matcher_with_spaces_anywhere(head, tail):
    # long runs of spaces before and between a label's first characters: past the 6 characters
    # _label_of looks at first
    text = head + tail
    assert C.label_of(text) == _reference_label(text)


def _reference_level1_match(text: str):
    """What _LEVEL1_RE finds in the normalised text, as (stem, weight as a number)."""
    m = T._LEVEL1_RE.match(C.squash(V.normalize_text(text)))
    if not m:
        return None
    weight = m.group(2) or m.group(3)
    return m.group(1), float(weight) if weight is not None else None


_HEADING_PARTS = [
    "产出",
    "效益",
    "服务对象满意度",
    "满意度",
    "预算执行率",
    "成本",
    "指标",
    "(",
    "（",
    ")",
    "）",
    "分",
    ".",
    "0",
    "9",
    "１",
    "０",
    "٣",
    "𝟗",
    "²",
    "①",
    " ",
    "\u3000",
    "≥",
    "\u200b",
    "ｆ",
    "⑽",
    "︵",
    "︶",
]


@settings(deadline=None)
@given(st.lists(st.sampled_from(_HEADING_PARTS), max_size=9).map("".join) | st.text(max_size=10))
def test_level1_heading_as_typed_is_the_normalised_heading(text):
    m = T._LEVEL1_RE.match(C.squash(text))
    if m:
        weight = m.group(2) or m.group(3)
        # _level1 takes the stem and float(weight) of the match: the same either way
        assert (m.group(1), float(weight) if weight is not None else None) == _reference_level1_match(text), text


def _reference_is_rate(cell) -> bool:
    parsed = V.parse_value(cell.text)
    return parsed.number is not None and (parsed.percent or cell.percent)


@settings(deadline=None)
@given(
    st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e15, max_value=1e15)
    | st.integers(-(10**6), 10**6).map(lambda n: n / 1000),
    st.booleans(),
)
def test_is_rate_of_a_number_is_its_percent_format(value, percent):
    from perfxl.load import render

    cell = C.Cell(0, 0, value, render(value, percent), percent)
    assert C.is_rate(cell) == _reference_is_rate(cell)


def _reference_render(value, percent=False):
    """render() as it was before its float shortcut."""
    import datetime as dt
    import math

    from perfxl.load import number_text as _number_text  # the reference for render

    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if percent:
            return _number_text(value * 100) + "%"
        return _number_text(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


@settings(deadline=None)
@given(
    st.floats()
    | st.integers(-(10**20), 10**20)
    | st.booleans()
    | st.none()
    | st.text(max_size=4)
    | st.dates()
    | st.datetimes()
    | st.times(),
    st.booleans(),
)
def test_render_takes_a_float_first_and_renders_as_before(value, percent):
    from perfxl.load import render

    assert render(value, percent) == _reference_render(value, percent)


@settings(deadline=None)
@given(st.floats() | st.integers(-(10**6), 10**6) | st.booleans() | st.text(max_size=6))
def test_number_of_a_float_is_the_float(value):
    from perfxl.load import Grid, render

    b = B.FormBuilder(Grid(rows=[[value]], file="x", sheet="S"))
    cell = C.Cell(0, 0, value, render(value))
    got = b.number(cell, "x")
    if type(value) is float and value == value and value not in (float("inf"), float("-inf")):
        assert got == value and not b.notes
    if isinstance(value, str):
        assert V.parse_value(value) is V._parse_value_cached(value, str, False)


def test_placeholder_and_level2_sets_are_what_the_regexes_match():
    """The sets looked up before the regexes hold only texts the regexes match (and no 二级 name is
    a placeholder, as _scan_table then skips that test)."""
    for text in T.PLACEHOLDERS:
        assert T.PLACEHOLDER_RE.match(text), text
    for name in T.LEVEL2_NAMES:
        assert T._LEVEL2_RE.match(name) and C.squash(name) == name, name
        assert not T.PLACEHOLDER_RE.match(name), name


@given(st.text(alphabet="指标 12：:.…—-·。a数量", max_size=8))
def test_is_placeholder_is_the_regex(text):
    assert T.is_placeholder(text) == (T.PLACEHOLDER_RE.match(text) is not None)


def test_section_labels_are_two_characters():
    """_label_of takes a section label on its head alone: every spelling must be exactly the head."""
    for spec in C.LABELS:
        if spec.kind == "section":
            assert all(len(word) == 2 and word[1] not in ":：(（)）" for word in spec.words)


@given(
    st.lists(st.one_of(st.floats(), st.integers(-(10**17), 10**17).map(float), st.just(-0.0)), max_size=6),
    st.booleans(),
)
def test_cells_render_whole_floats_as_render_does(values, percent):
    """_cells writes a whole float out itself: the text render() gives, percent cells or not."""
    from perfxl.load import Grid, render

    grid = Grid(rows=[values], file="x", sheet="S", percent={(0, c) for c in range(len(values))} if percent else set())
    got = [(cell.col, cell.text) for row in C.grid_cells(grid, 0, 1) for cell in row]
    assert got == [(c, render(v, percent)) for c, v in enumerate(values) if render(v, percent)]
