"""Tests of perfxl.values: 预期指标值 / 实际完成值 as people write them."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from perfxl.values import OPS, ParsedValue, normalize_text, parse_value

# (text, op, number, unit, percent) for every distinct 预期指标值 / 实际完成值 in forms-2020.
SEED_VALUES = [
    ("15册", None, 15, "册", False),
    ("45本", None, 45, "本", False),
    ("14", None, 14, "", False),
    ("45", None, 45, "", False),
    ("≥40个", ">=", 40, "个", False),
    ("40个", None, 40, "个", False),
    (">=95%", ">=", 95, "%", True),
    ("≥95%", ">=", 95, "%", True),
    (">=90%", ">=", 90, "%", True),
    ("≥90%", ">=", 90, "%", True),
    ("》=90%", ">=", 90, "%", True),
    ("》=1000份", ">=", 1000, "份", False),
    ("》=1场次", ">=", 1, "场次", False),
    ("》=40人次", ">=", 40, "人次", False),
    ("》=8次", ">=", 8, "次", False),
    (">=6个", ">=", 6, "个", False),
    (">=3个", ">=", 3, "个", False),
    ("15次", None, 15, "次", False),
    ("2场次", None, 2, "场次", False),
    ("98.5%", None, 98.5, "%", True),
    ("98%", None, 98, "%", True),
    ("99%", None, 99, "%", True),
    ("100%", None, 100, "%", True),
    ("26%", None, 26, "%", True),
    ("86.8%", None, 86.8, "%", True),
    ("99.7%", None, 99.7, "%", True),
    ("96.3%", None, 96.3, "%", True),
    ("82%", None, 82, "%", True),
    ("90%", None, 90, "%", True),
    ("95%", None, 95, "%", True),
    ("90", None, 90, "", False),  # a percent written without %: the engine decides
    ("95", None, 95, "", False),
    ("100", None, 100, "", False),
    ("0.7", None, 0.7, "", False),
    ("1", None, 1, "", False),
    ("2", None, 2, "", False),
    ("3", None, 3, "", False),
    ("4", None, 4, "", False),
    ("5", None, 5, "", False),
    ("6", None, 6, "", False),
    ("8", None, 8, "", False),
    ("9", None, 9, "", False),
    ("20", None, 20, "", False),
    ("35", None, 35, "", False),
    ("36", None, 36, "", False),
    ("37", None, 37, "", False),
    ("40", None, 40, "", False),
    ("50", None, 50, "", False),
    ("80", None, 80, "", False),
    ("92", None, 92, "", False),
    ("231.5", None, 231.5, "", False),
    ("145.64", None, 145.64, "", False),
    ("42.63", None, 42.63, "", False),
    ("28.76", None, 28.76, "", False),
    ("456.81", None, 456.81, "", False),
    ("3.94", None, 3.94, "", False),
    ("120000", None, 120000, "", False),
    ("140000", None, 140000, "", False),
]

# The other spellings domain.md expects, with their note.
DOMAIN_VALUES = [
    ("不少于30人", ">=", 30, "人", False, ""),
    ("不低于90%", ">=", 90, "%", True, ""),
    ("不得低于90%", ">=", 90, "%", True, ""),
    ("大于等于90%", ">=", 90, "%", True, ""),
    ("大于或等于90%", ">=", 90, "%", True, ""),
    ("至少3个", ">=", 3, "个", False, ""),
    ("不小于5家", ">=", 5, "家", False, ""),
    ("95%以上", ">=", 95, "%", True, ""),
    ("95%及以上", ">=", 95, "%", True, ""),
    ("达到95%以上", ">=", 95, "%", True, ""),
    ("40人次以上", ">=", 40, "人次", False, ""),
    ("＞＝95％", ">=", 95, "%", True, ""),
    (">＝95%", ">=", 95, "%", True, ""),
    ("≧95%", ">=", 95, "%", True, ""),
    ("> = 95%", ">=", 95, "%", True, ""),
    ("不超过5万元", "<=", 5, "万元", False, ""),
    ("不高于3%", "<=", 3, "%", True, ""),
    ("不多于2次", "<=", 2, "次", False, ""),
    ("不大于10天", "<=", 10, "天", False, ""),
    ("小于等于5%", "<=", 5, "%", True, ""),
    ("≤5%", "<=", 5, "%", True, ""),
    ("<=5%", "<=", 5, "%", True, ""),
    ("《=5%", "<=", 5, "%", True, ""),
    ("≦5%", "<=", 5, "%", True, ""),
    ("10天以内", "<=", 10, "天", False, ""),
    ("10个工作日以内", "<=", 10, "个工作日", False, ""),
    ("3个工作日内", "<=", 3, "个工作日", False, ""),
    ("5天内完成", "<=", 5, "天", False, "完成"),
    ("12月底前", "<=", 12, "月", False, ""),
    ("6个月之前", "<=", 6, "个月", False, ""),
    ("12个前", None, 12, "个", False, "前"),  # 前 is a deadline only after a unit of time
    ("控制在10天以内", "<=", 10, "天", False, ""),
    ("控制在5%以内", "<=", 5, "%", True, ""),
    ("控制在5%", "<=", 5, "%", True, ""),
    ("5%以下", "<=", 5, "%", True, ""),
    ("大于90%", ">", 90, "%", True, ""),
    ("高于90%", ">", 90, "%", True, ""),
    ("超过100人", ">", 100, "人", False, ""),
    ("＞90%", ">", 90, "%", True, ""),
    ("》90%", ">", 90, "%", True, ""),
    ("小于5%", "<", 5, "%", True, ""),
    ("低于5%", "<", 5, "%", True, ""),
    ("＜5%", "<", 5, "%", True, ""),
    ("《5%", "<", 5, "%", True, ""),
    ("=100%", "=", 100, "%", True, ""),
    ("＝100%", "=", 100, "%", True, ""),
    ("等于100%", "=", 100, "%", True, ""),
    ("约40个", None, 40, "个", False, "约"),
    ("达到40个", None, 40, "个", False, ""),
    ("完成40个", None, 40, "个", False, ""),
    ("４０个", None, 40, "个", False, ""),
    ("９８．５％", None, 98.5, "%", True, ""),
    ("≥４０个", ">=", 40, "个", False, ""),
    ("1,234.5", None, 1234.5, "", False, ""),
    ("1，234", None, 1234, "", False, ""),
    ("１，２３４．５万元", None, 1234.5, "万元", False, ""),
    ("120000万元", None, 120000, "万元", False, ""),
    ("231.5万元", None, 231.5, "万元", False, ""),
    ("-5%", None, -5, "%", True, ""),
    ("增长-2%", None, -2, "%", True, "增长"),
    ("200元/人", None, 200, "元/人", False, ""),
    ("5 个", None, 5, "个", False, ""),
    ("98.5 %", None, 98.5, "%", True, ""),
    ("95(%)", None, 95, "%", True, ""),
    ("(95%)", None, 95, "%", True, ""),
    ("14(因疫情减少1册)", None, 14, "", False, "因疫情减少1册"),
    ("14（因疫情减少1册）", None, 14, "", False, "因疫情减少1册"),
    ("14册（因疫情减少1册）", None, 14, "册", False, "因疫情减少1册"),
    ("14【因疫情减少1册】", None, 14, "", False, "因疫情减少1册"),
    ("14(因疫情减少1册", None, 14, "", False, "因疫情减少1册"),  # unclosed bracket
    ("》=40人次(受疫情影响)", ">=", 40, "人次", False, "受疫情影响"),
    ("完成专题资料翻译6篇", None, 6, "篇", False, "完成专题资料翻译"),
    ("满意度≥90%", ">=", 90, "%", True, "满意度"),
    ("合格率为95%", None, 95, "%", True, "合格率"),
    ("12项目", None, 12, "", False, "项目"),
    ("12个项目", None, 12, "个", False, "项目"),
    ("30栋以上", ">=", 30, "栋", False, ""),
    ("40个左右", None, 40, "个", False, "约"),
]

QUALITATIVE = [
    "合格",
    "良好",
    "优秀",
    "显著",
    "明显提升",
    "达到预期",
    "按时完成",
    "是",
    "否",
    "有效提升",
    "一般",
    "十分满意",
    "部分达成并具有一定效果",
    "进一步提高",
    "（合格）",
    "符合要求",
]

RANGES = [
    ("90%-95%", 90, "%", True, "范围 90%-95%"),
    ("90-95%", 90, "%", True, "范围 90-95%"),
    ("3~5个", 3, "个", False, "范围 3~5个"),
    ("3～5个", 3, "个", False, "范围 3~5个"),
    ("3至5个", 3, "个", False, "范围 3至5个"),
    ("3个-5个", 3, "个", False, "范围 3个-5个"),
    ("95%—90%", 90, "%", True, "范围 95%—90%"),  # written high to low: still the lower bound
]

CHINESE = [
    ("两场", None, 2, "场"),
    ("三个", None, 3, "个"),
    ("不少于三个", ">=", 3, "个"),
    ("十个工作日内", "<=", 10, "个工作日"),
    ("二十次", None, 20, "次"),
    ("一百零五人", None, 105, "人"),
    ("百分之九十五", None, 95, "%"),
    ("百分之95", None, 95, "%"),
    ("百分百", None, 100, "%"),
]


def check(parsed: ParsedValue, op, number, unit, percent, note=""):
    assert (parsed.op, parsed.unit, parsed.percent, parsed.note) == (op, unit, percent, note), parsed
    assert parsed.number == pytest.approx(number), parsed
    assert not parsed.empty and not parsed.qualitative


@pytest.mark.parametrize("text, op, number, unit, percent", SEED_VALUES)
def test_seed_values(text, op, number, unit, percent):
    parsed = parse_value(text)
    check(parsed, op, number, unit, percent)
    assert parsed.raw == text


@pytest.mark.parametrize("text, op, number, unit, percent, note", DOMAIN_VALUES)
def test_domain_values(text, op, number, unit, percent, note):
    check(parse_value(text), op, number, unit, percent, note)


@pytest.mark.parametrize("text", QUALITATIVE)
def test_qualitative(text):
    parsed = parse_value(text)
    assert parsed.qualitative and not parsed.empty
    assert parsed.number is None and parsed.op is None and parsed.unit == ""
    assert parsed.raw == text


@pytest.mark.parametrize("text, number, unit, percent, note", RANGES)
def test_ranges_give_lower_bound(text, number, unit, percent, note):
    check(parse_value(text), ">=", number, unit, percent, note)


@pytest.mark.parametrize("text, op, number, unit", CHINESE)
def test_chinese_numerals(text, op, number, unit):
    check(parse_value(text), op, number, unit, unit == "%")


def test_long_text_takes_first_number_and_notes_the_rest():
    parsed = parse_value("完成专题资料翻译6篇。受疫情影响,暂停出国招商活动")
    assert (parsed.number, parsed.unit) == (6, "篇")
    assert parsed.note == "完成专题资料翻译; 受疫情影响,暂停出国招商活动"
    parsed = parse_value("完成北京招商专题会议2场，来访客商超过40人次")
    assert (parsed.number, parsed.unit, parsed.op) == (2, "场", None)
    assert "来访客商超过40人次" in parsed.note


@pytest.mark.parametrize("text", ["2020年12月底前完成", "2020-12-31", "2020/12/31", "12月31日前", "2020年12月"])
def test_dates_are_not_numbers(text):
    parsed = parse_value(text)
    assert parsed.number is None and parsed.qualitative and parsed.note == "日期"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\u200b", "\t\n"])
def test_empty(value):
    parsed = parse_value(value)
    assert parsed == ParsedValue(raw="") and parsed.empty and not parsed.qualitative


@pytest.mark.parametrize(
    "value, percent_cell, raw, number, percent",
    [
        (0.985, True, "98.5%", 98.5, True),
        (0.8619, True, "86.19%", 86.19, True),
        (1, True, "100%", 100, True),
        (0.26, True, "26%", 26, True),
        (0.985, False, "0.985", 0.985, False),
        (0.7, False, "0.7", 0.7, False),
        (120000, False, "120000", 120000, False),
        (231.5, False, "231.5", 231.5, False),
        (100.0, False, "100", 100, False),
        (-3, False, "-3", -3, False),
        (0.1 + 0.2, False, "0.3", 0.1 + 0.2, False),
    ],
)
def test_numbers_from_cells(value, percent_cell, raw, number, percent):
    parsed = parse_value(value, percent_cell=percent_cell)
    assert parsed.raw == raw and parsed.number == number and parsed.percent is percent
    assert parsed.unit == ("%" if percent else "") and parsed.op is None and parsed.note == ""


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 10**400, -(10**400)])
@pytest.mark.parametrize("percent_cell", [False, True])
def test_not_finite_numbers(value, percent_cell):
    parsed = parse_value(value, percent_cell=percent_cell)
    assert parsed.number is None and "不是有限数字" in parsed.note
    assert not parsed.empty and not parsed.qualitative


def test_percent_cell_overflow():
    parsed = parse_value(1e307, percent_cell=True)
    assert parsed.number is None and "不是有限数字" in parsed.note


@pytest.mark.parametrize("value, raw", [(True, "TRUE"), (False, "FALSE")])
def test_bool_is_not_a_number(value, raw):
    parsed = parse_value(value)
    assert parsed.raw == raw and parsed.number is None and not parsed.qualitative


def test_percent_cell_ignored_for_text():
    assert parse_value("0.985", percent_cell=True).number == 0.985
    assert parse_value("98.5%", percent_cell=True).number == 98.5


@pytest.mark.parametrize(
    "text, expected",
    [
        ("＞＝９５％", ">=95%"),
        ("》=1000份", ">=1000份"),
        ("《=5", "<=5"),
        ("》5", ">5"),
        ("≥40个", ">=40个"),
        ("≤5%", "<=5%"),
        ("≧1", ">=1"),
        ("≦1", "<=1"),
        ("＝100％", "=100%"),
        ("（因疫情减少1册）", "(因疫情减少1册)"),
        ("预算数：", "预算数:"),
        ("  a \u3000 b\t\nc  ", "a b c"),
        ("ＡＢＣ１２３", "ABC123"),
        ("清算下达《2019年中央外经贸发展专项资金的通知》", "清算下达《2019年中央外经贸发展专项资金的通知》"),
        ("4\u200b0", "40"),
        ("", ""),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_normalize_text_accepts_none():
    assert normalize_text(None) == ""


# --- properties ------------------------------------------------------------------------------

OP_SPELLINGS = {
    ">=": ["≥", ">=", "》=", "＞＝", ">＝", "≧", "不少于", "不低于", "大于等于", "至少", "不小于", "不得低于"],
    "<=": ["≤", "<=", "《=", "≦", "不超过", "不高于", "不多于", "小于等于", "不大于", "最多"],
    ">": [">", "＞", "》", "大于", "高于", "超过"],
    "<": ["<", "＜", "《", "小于", "低于", "少于"],
    "=": ["=", "＝", "等于"],
    None: ["", "约", "达到", "完成"],
}
SUFFIX_SPELLINGS = {">=": ["以上", "及以上"], "<=": ["以内", "以下"]}
UNITS = [
    "",
    "%",
    "％",
    "个",
    "份",
    "册",
    "本",
    "场次",
    "人次",
    "次",
    "天",
    "家",
    "万元",
    "元",
    "篇",
    "项",
    "户",
    "人",
    "件",
    "年",
    "月",
    "小时",
    "分钟",
    "工作日",
    "个工作日",
    "平方米",
    "公里",
    "场",
]


@st.composite
def number_texts(draw):
    """A number as people type it, and its value."""
    whole = draw(st.integers(min_value=-(10**9), max_value=10**9))
    text = f"{whole:,}" if draw(st.booleans()) else str(whole)
    if draw(st.booleans()):
        text += "." + draw(st.text("0123456789", min_size=1, max_size=4))
    return text, float(text.replace(",", ""))


@st.composite
def written_values(draw):
    """(text, op, number, unit, note) for an op, a number and a unit written one of the usual ways."""
    op = draw(st.sampled_from(list(OP_SPELLINGS)))
    number_text, number = draw(number_texts())
    unit = draw(st.sampled_from(UNITS))
    note = ""
    if op in SUFFIX_SPELLINGS and draw(st.booleans()):
        text = f"{number_text}{unit}{draw(st.sampled_from(SUFFIX_SPELLINGS[op]))}"
    else:
        spelling = draw(st.sampled_from(OP_SPELLINGS[op]))
        note = "约" if spelling == "约" else ""  # approximately: kept as a note
        text = f"{spelling}{number_text}{unit}"
    return text, op, number, normalize_text(unit), note


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


@given(written_values())
@example(("≥40个", ">=", 40.0, "个", ""))
@example(("不少于30人", ">=", 30.0, "人", ""))
@example((">=95%", ">=", 95.0, "%", ""))
@example(("约0", None, 0.0, "", "约"))
def test_written_values_round_trip(case):
    text, op, number, unit, note = case
    parsed = parse_value(text)
    assert (parsed.op, parsed.number, parsed.unit, parsed.percent) == (op, number, unit, unit == "%"), text
    assert parsed.note == note


@given(written_values())
def test_full_width_parses_as_half_width(case):
    text = case[0]
    half, full = parse_value(text), parse_value(full_width(text))
    assert (full.op, full.number, full.unit, full.percent, full.note) == (
        half.op,
        half.number,
        half.unit,
        half.percent,
        half.note,
    )


def fields(parsed: ParsedValue):
    """Everything parsed, apart from raw (which keeps the spelling)."""
    return (parsed.op, parsed.number, parsed.unit, parsed.percent, parsed.note, parsed.empty, parsed.qualitative)


def check_invariants(parsed: ParsedValue):
    assert isinstance(parsed, ParsedValue)
    assert parsed.op is None or parsed.op in OPS
    assert parsed.number is None or (isinstance(parsed.number, float) and math.isfinite(parsed.number))
    assert parsed.percent == (parsed.unit == "%")
    assert parsed.empty == (parsed.raw == "")
    assert not (parsed.empty and parsed.qualitative)
    if parsed.number is not None:
        assert not parsed.qualitative and not parsed.empty
    if parsed.number is None:
        assert parsed.op is None and parsed.unit == "" and not parsed.percent


TEXT = st.text() | st.text(alphabet="0123456789.,-~%％()（）》《=≥≤><至到以上内下个次天万元不少于超过约 ")


@given(TEXT, st.booleans())
@example("1" * 400, False)
@example("《2019》=5", False)
@example("⩾\u0338", False)
@example("(((", False)
@example(")))1", False)
@example("-", False)
@example(".5.", False)
@example("9" * 5000, True)
def test_text_never_raises(text, percent_cell):
    check_invariants(parse_value(text, percent_cell=percent_cell))


CELL_VALUES = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.none()
    | st.booleans()
)


@given(CELL_VALUES, st.booleans())
@example(5e-324, True)
@example(1.7976931348623157e308, True)
@example(-0.0, True)
def test_numbers_never_raise(value, percent_cell):
    parsed = parse_value(value, percent_cell=percent_cell)
    check_invariants(parsed)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value is not None:
        if isinstance(value, float) and not math.isfinite(value):
            assert parsed.number is None


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-6))
def test_percent_cell_raw_reads_back(value):
    parsed = parse_value(value, percent_cell=True)
    assert parse_value(parsed.raw).number == parsed.number
    assert parsed.number == pytest.approx(value * 100, rel=1e-11, abs=1e-9)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-6))
def test_number_raw_reads_back(value):
    parsed = parse_value(value)
    assert parsed.number == value
    assert parse_value(parsed.raw).number == pytest.approx(value, rel=1e-11, abs=1e-9)


@given(TEXT)
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(TEXT)
def test_parse_sees_only_normalized_text(text):
    assert fields(parse_value(normalize_text(text))) == fields(parse_value(text))


@given(st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)] + list("个次万元不少于以上"), max_size=20))
def test_full_width_ascii_changes_nothing(text):
    assert fields(parse_value(full_width(text))) == fields(parse_value(text))
