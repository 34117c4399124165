"""预期指标值 / 实际完成值 as people write them, parsed into comparison, number, unit and note.

Pure functions, no I/O. The reader, the checker and the scoring engine all read a value through
:func:`parse_value`, so a spelling people use (``》=1000份``, ``不少于30人``, ``95%以上``,
``14(因疫情减少1册)``) is understood in one place.

Decisions (the engine decides what a value *means*; this module only says what was *written*):

- ``"90"`` is a plain number (``percent`` False); whether it means 90 % is the engine's call.
- A cell's number in a percent-formatted cell is a fraction: ``0.985`` → 98.5, ``percent`` True.
  ``percent_cell`` only applies to numbers: text typed into a percent cell stays text.
- A range (``90%-95%``, ``3~5个``, ``3至5个``) gives its lower bound with op ``">="`` and the range in
  the note, because a range target is met once the lower bound is reached.
- The first number outside brackets is the value (``完成专题资料翻译6篇`` → 6, 篇). The note holds,
  joined by "; ": the text before the number, 约 for an approximate value (约 / 左右), the range,
  the text after number and unit, then each bracket's text (``14(因疫情减少1册)``). Words that
  only lead up to the number (达到, 完成, 共计, 为, ":") are dropped.
- Operators are written before the number (≥, 不少于, 控制在 ...; 不/不得/未 turn a word round)
  or after it (以上, 以内, 以下; after a unit of time also 内 and 前: ``10天内``, ``12月底前``).
  When both are written the one before wins, except 控制在, which yields to a suffix.
- Chinese numerals are read only in a short value (两场, 不少于三个, 百分之九十五), so that words
  such as 一般, 一定效果 or 十分满意 stay qualitative.
- A date (``2020年12月``, ``2020-12-31``, ``12月31日``) is not a number to compare: the value is
  qualitative with the note ``日期``, and the engine compares it as text.
- ``NaN`` / ``inf`` inputs and numbers too large for a float give no number and a note; a bool
  is the text ``TRUE`` / ``FALSE``. parse_value never raises.
- 《 and 》 are read as < and > only when they are not a pair: ``《…通知》`` is a title.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


def number_text(value: float) -> str:
    """A finite number as a person sees it: 12 significant digits (they hide float noise such as
    0.1 + 0.2 but keep every digit a person types), no exponent, a whole number without ".0"."""
    # a float is tested as it is (most values are); an int (or a bool, a numpy number) as a float
    if (value if type(value) is float else float(value)).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.12g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text


OPS = (">=", "<=", ">", "<", "=")

# Note for a number input that is not finite; :attr:`ParsedValue.qualitative` is False for it.
_NOT_FINITE = "不是有限数字"
_TOO_LARGE = "数字超出范围"
_DATE_NOTE = "日期"
_BOOL_NOTE = "逻辑值，不是数字"

# Mapped after NFKC (which already turns ＞＝％（）：， and full-width digits into ASCII).
_CHAR_MAP = str.maketrans(
    {
        "≥": ">=",
        "≧": ">=",
        "⩾": ">=",
        "≤": "<=",
        "≦": "<=",
        "⩽": "<=",
        "＝": "=",
        "═": "=",  # U+2550 stands for = in Yunnan's published tables
        "−": "-",  # U+2212 MINUS SIGN is not touched by NFKC
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
    }
)
_MAPPED_CHAR_RE = re.compile("[" + "".join(re.escape(chr(code)) for code in _CHAR_MAP) + "]")

# Units after a number. Longest first so that 人次 wins over 人 and 个工作日 over 个.
_UNITS = tuple(
    sorted(
        {
            "个工作日",
            "工作日",
            "个百分点",
            "百分点",
            "平方公里",
            "平方米",
            "立方米",
            "公顷",
            "亩",
            "人次",
            "场次",
            "户次",
            "车次",
            "批次",
            "架次",
            "班次",
            "频次",
            "课时",
            "学时",
            "小时",
            "分钟",
            "秒",
            "个月",
            "月",
            "年",
            "周",
            "天",
            "日",
            "次",
            "个",
            "份",
            "册",
            "本",
            "场",
            "家",
            "篇",
            "项",
            "户",
            "人",
            "件",
            "期",
            "套",
            "台",
            "辆",
            "所",
            "间",
            "处",
            "条",
            "部",
            "张",
            "座",
            "名",
            "位",
            "批",
            "种",
            "类",
            "门",
            "节",
            "首",
            "幅",
            "棵",
            "株",
            "公里",
            "千米",
            "米",
            "公斤",
            "千克",
            "吨",
            "分",
            "倍",
            "例",
            "组",
            "支",
            "片",
            "块",
            "栋",
            "层",
            "元",
            "千元",
            "万元",
            "亿元",
            "万",
            "亿",
            "万人",
            "万人次",
            "万户",
            "万册",
            "万份",
            "万个",
            "万次",
            "万平方米",
            "万吨",
            "台次",
            "条次",
        },
        key=len,
        reverse=True,
    )
)
_UNIT_SET = frozenset(_UNITS)
# A one-character unit that starts a common word is not a unit there: 12项目, 2020年度.
_NOT_UNITS = ("项目", "人员", "人数", "次数", "年度", "家庭", "件事", "天然", "期间", "分析", "分别")
# A ceiling written as ``10天内`` only makes sense after a unit of time.
_TIME_UNITS = frozenset({"个工作日", "工作日", "小时", "分钟", "秒", "个月", "月", "年", "周", "天", "日"})

# Written after the number (and unit): 95%以上, 10天以内.
_SUFFIX_OPS = (
    ("及以上", ">="),
    ("或以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("或以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
)
_TIME_LIMIT_RE = re.compile(r"内|之内|(?:底|末)?(?:之前|以前|前)")
_APPROX_SUFFIX = "左右"
# Where a fallback unit (short CJK text after the number) must stop.
_UNIT_STOP = re.compile(r"以上|以下|以内|之内|以前|之前|及|或|左右|至|到|内|前")

# Written before the number; longest first within each group. Words are checked after symbols.
_SYMBOL_OPS = (
    (">=", ">="),
    ("=>", ">="),
    ("<=", "<="),
    ("=<", "<="),
    ("≮", ">="),
    ("≯", "<="),
    (">", ">"),
    ("<", "<"),
    ("=", "="),
)
_WORD_OPS = (
    ("大于或等于", ">="),
    ("大于等于", ">="),
    ("小于或等于", "<="),
    ("小于等于", "<="),
    ("至少", ">="),
    ("最少", ">="),
    ("最低", ">="),
    ("起码", ">="),
    ("最多", "<="),
    ("最高", "<="),
    ("不足", "<"),
    ("不到", "<"),
    ("大于", ">"),
    ("高于", ">"),
    ("超过", ">"),
    ("多于", ">"),
    ("超出", ">"),
    ("超", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    ("等于", "="),
)
# 控制在 is a ceiling, but a suffix (控制在90%以上) says more, so it yields to one.
_WEAK_OPS = (("控制在", "<="),)
# 不/不得/未 before an operator word turns it round: 不少于 is >=, 不超过 is <=.
_NEGATIONS = ("不得", "不应", "不能", "不会", "不宜", "没有", "不", "未")
_NEGATED = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "=": None}
# Words between an operator and the number, or before the number, that carry no meaning here.
_FILLERS = ("达到", "共计", "合计", "累计", "总计", "实现", "完成", "为", "共", ":", "约为", "大约", "约")
_APPROX = ("约为", "大约", "约")

_NUM_RE = re.compile(
    r"(?<![0-9.,])[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?"
    r"|(?<![0-9.,])[-+]?\.[0-9]+"
)
_RANGE_SEP_RE = re.compile(r"\s*(?:-|~|〜|—|–|至|到)\s*")
_ASCII_UNIT_RE = re.compile(r"[A-Za-z]{1,4}[23]?(?![A-Za-z0-9])")
_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_DATE_RE = re.compile(
    r"(?:19|20)[0-9]{2}\s*[-/.]\s*[0-9]{1,2}\s*[-/.]\s*[0-9]{1,2}(?![0-9])"  # 2020-12-31
    r"|(?<![0-9])(?:19|20)[0-9]{2}\s*[-/]\s*(?:0?[1-9]|1[0-2])(?![0-9.])"  # 2020-12, 2020/12
    r"|(?<![0-9])[0-9]{4}\s*年\s*[0-9]{1,2}\s*月"  # 2020年12月
    r"|(?<![0-9])[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*[日号]"  # 12月31日
)
_BRACKETS = {"(": ")", "[": "]", "【": "】", "〔": "〕", "{": "}"}
_CLOSERS = frozenset(_BRACKETS.values())
_NOTE_STRIP = " ,;:.，。；：、-~"

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千"
_PERCENT_WORD_RE = re.compile(rf"百分之([0-9]+(?:\.[0-9]+)?|[{_CN_CHARS}]+(?:点[{_CN_CHARS}]+)?)")
_OP_WORD_ALT = "|".join(re.escape(w) for w, _ in _SYMBOL_OPS + _WORD_OPS + _WEAK_OPS)
_NEG_ALT = "|".join(re.escape(w) for w in _NEGATIONS)
_FILLER_ALT = "|".join(re.escape(w) for w in _FILLERS)
_UNIT_ALT = "|".join(re.escape(u) for u in _UNITS)
_SUFFIX_ALT = "|".join(re.escape(w) for w, _ in _SUFFIX_OPS) + "|内|左右"
# A short value written in Chinese numerals: 两场, 不少于三个, 十个工作日内. Anything longer is
# left alone, so that 一般 / 一定效果 / 十分满意 stay words.
_CN_VALUE_RE = re.compile(
    rf"(?P<pre>(?:(?:{_NEG_ALT})?(?:{_OP_WORD_ALT}))?(?:{_FILLER_ALT})?)"
    rf"(?P<num>[{_CN_CHARS}]+)(?P<unit>{_UNIT_ALT})?(?P<suf>{_SUFFIX_ALT})?"
)


@dataclass(frozen=True)
class ParsedValue:
    """预期指标值 / 实际完成值 as people write them.

    Attributes:
        raw: the text as given, stripped ("" for empty/None); a number input is rendered, e.g.
            "0.985", or "98.5%" from a percent-formatted cell.
        op: one of :data:`OPS`, or None when no comparison is written ("40个", "98.5%").
        number: the number, None when qualitative or empty. For a percentage it is in percent
            points (98.5 for "98.5%").
        unit: "个", "份", "人次", "万元", "" ...; "%" for a percentage.
        percent: True when the number is a percentage.
        note: text in brackets or around the number that is not a unit, e.g. "因疫情减少1册";
            a range is noted as "范围 90%-95%".
    """

    raw: str
    op: str | None = None
    number: float | None = None
    unit: str = ""
    percent: bool = False
    note: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing is written."""
        return not self.raw

    @property
    def qualitative(self) -> bool:
        """True when text is written but holds no number (合格, 良好, 达到预期, 明显提升 ...)."""
        return bool(self.raw) and self.number is None and not self.note.startswith((_NOT_FINITE, _BOOL_NOTE))


def normalize_text(text: str) -> str:
    """Text as one spelling: NFKC, operators and whitespace unified.

    Full-width digits, letters, ％（）：，＞＝ become half width (NFKC); ≥ ≧ ⩾ become ``>=``,
    ≤ ≦ ⩽ ``<=``; an unpaired 》 / 《 becomes ``>`` / ``<`` (a 《…》 pair is a title and stays);
    zero-width characters go; whitespace is stripped and collapsed to single spaces.

    Args:
        text: any text (None and non-strings are accepted and turned into text).

    Returns:
        The normalized text; applying it again changes nothing.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    # Repeat until stable: a mapping can make a sequence NFKC composes again (< + U+0338 → ≮).
    for _ in range(8):
        before = text
        text = unicodedata.normalize("NFKC", text)
        if _MAPPED_CHAR_RE.search(text):  # translate() looks every character up: only when needed
            text = text.translate(_CHAR_MAP)
        text = " ".join(_angle_marks(text).split())
        if text == before:
            break
    return text


def _angle_marks(text: str) -> str:
    """》/《 as > / <, unless they enclose a title (《…通知》)."""
    if "《" not in text and "》" not in text:
        return text
    chars = list(text)
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "《":
            opened.append(i)
        elif ch == "》":
            if opened:
                opened.pop()  # closes a title: keep both marks
            else:
                chars[i] = ">"
    for i in opened:
        chars[i] = "<"
    return "".join(chars)


def parse_value(value: str | float | int | None, *, percent_cell: bool = False) -> ParsedValue:
    """Parse a 预期指标值 or 实际完成值 as written (cached: forms repeat the same texts)."""
    if type(value) is str:  # a cell's text, the usual call: no test below is needed for it
        return _parse_text_cached(value)
    if isinstance(value, (str, int, float)) or value is None:
        try:
            return _parse_value_cached(value, type(value), percent_cell)
        except TypeError:  # unhashable subclass
            pass
    return _parse_value(value, percent_cell=percent_cell)


def _parse_value_cached(value, kind, percent_cell: bool) -> ParsedValue:
    """:func:`parse_value` of a hashable value, cached."""
    if kind is str:
        return _parse_text_cached(value)
    return _parse_other_cached(value, kind, percent_cell)


@lru_cache(maxsize=8192)
def _parse_text_cached(text: str) -> ParsedValue:
    # The text alone is the key (percent_cell only matters for a number): lru_cache looks a
    # single str up without building a key tuple, and a text is the usual call.
    return _parse_value(text)


@lru_cache(maxsize=8192)
def _parse_other_cached(value, kind, percent_cell: bool) -> ParsedValue:
    # kind is part of the key so that 1, 1.0 and True are not one entry
    return _parse_value(value, percent_cell=percent_cell)


def _parse_value(value: str | float | int | None, *, percent_cell: bool = False) -> ParsedValue:
    """Parse a 预期指标值 or 实际完成值 as written.

    Args:
        value: the cell's text, or its number (int/float), or None for an empty cell.
        percent_cell: the cell is percent-formatted, so a number in it is a fraction
            (0.985 → 98.5 %). Ignored for text.

    Returns:
        The parsed value. Never raises.
    """
    try:
        if value is None:
            return ParsedValue(raw="")
        if isinstance(value, bool):
            return ParsedValue(raw="TRUE" if value else "FALSE", note=_BOOL_NOTE)
        if isinstance(value, (int, float)):
            return _parse_number(value, percent_cell)
        return _parse_text(value if isinstance(value, str) else str(value))
    except Exception:  # pragma: no cover - a last guard: a reader must never crash on a cell
        try:
            raw = str(value).strip()
        except Exception:
            raw = "?"
        return ParsedValue(raw=raw, note="无法解析")


# --- numbers from cells ------------------------------------------------------------------------


def _shift_percent(value: float) -> float:
    """value × 100 without float noise (0.985 → 98.5, not 98.49999999999999)."""
    mantissa, _, exponent = repr(value).partition("e")
    shifted = float(f"{mantissa}e{int(exponent or 0) + 2}")
    return float(f"{shifted:.12g}") if math.isfinite(shifted) else shifted


def _parse_number(value: int | float, percent_cell: bool) -> ParsedValue:
    if isinstance(value, int) and value.bit_length() > 1000:  # float() would overflow
        return ParsedValue(raw="-inf" if value < 0 else "inf", note=f"{_NOT_FINITE}（{_TOO_LARGE}）")
    number = float(value)
    if not math.isfinite(number):
        return ParsedValue(raw=str(number), note=f"{_NOT_FINITE}（{number}）")
    if percent_cell:
        points = _shift_percent(number)
        if not math.isfinite(points):
            return ParsedValue(raw=number_text(number), note=f"{_NOT_FINITE}（{_TOO_LARGE}）")
        return ParsedValue(raw=number_text(points) + "%", number=points, unit="%", percent=True)
    raw = str(value) if isinstance(value, int) and abs(value) < 10**15 else number_text(number)
    return ParsedValue(raw=raw, number=number)


# --- text ----------------------------------------------------------------------------------------


def _join_notes(parts: list[str]) -> str:
    seen: list[str] = []
    for part in parts:
        part = part.strip(_NOTE_STRIP)
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)


def _split_brackets(text: str) -> tuple[str, list[str]]:
    """Text outside brackets, and the text of each outermost bracket (an unclosed one runs to the end)."""
    outside: list[str] = []
    notes: list[str] = []
    stack: list[str] = []
    inner: list[str] = []
    for ch in text:
        if ch in _BRACKETS:
            if stack:
                inner.append(ch)
            stack.append(_BRACKETS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if stack:
                inner.append(ch)
            else:
                notes.append("".join(inner).strip())
                inner = []
        elif stack:
            inner.append(ch)
        elif ch in _CLOSERS:
            outside.append(" ")  # a stray closer is punctuation
        else:
            outside.append(ch)
    if stack:
        notes.append("".join(inner).strip())
    return " ".join("".join(outside).split()), [n for n in notes if n]


def _cn_to_number(text: str) -> float | None:
    """Chinese numerals as a number: 两 → 2, 十五 → 15, 一百零五 → 105, 九十五点五 → 95.5."""
    whole, _, frac = text.partition("点")
    if not whole or any(ch not in _CN_DIGITS for ch in frac):
        return None
    if all(ch in _CN_DIGITS for ch in whole):  # 二零二零: digit by digit
        value = int("".join(str(_CN_DIGITS[ch]) for ch in whole))
    else:
        value, digit = 0, None
        for ch in whole:
            if ch in _CN_DIGITS:
                digit = _CN_DIGITS[ch]
            else:
                value += (1 if digit is None else digit) * _CN_UNITS[ch]
                digit = None
        value += digit or 0
    if frac:
        return float(f"{value}.{''.join(str(_CN_DIGITS[ch]) for ch in frac)}")
    return float(value)


#: 百分比 written for % after a number (≥100百分比).
_PERCENT_AFTER_RE = re.compile(r"(?<=[0-9])\s*百分比")


def _number_words(text: str) -> str:
    """百分之九十五 → 95%, 百分百 → 100%, 100百分比 → 100%."""
    text = text.replace("百分百", "100%")
    if "百分比" in text:
        text = _PERCENT_AFTER_RE.sub("%", text)

    def percent(m: re.Match[str]) -> str:
        word = m.group(1)
        if word[0].isdigit():
            return word + "%"
        number = _cn_to_number(word)
        return m.group(0) if number is None else number_text(number) + "%"

    return _PERCENT_WORD_RE.sub(percent, text)


def _cn_value(main: str) -> str | None:
    """A short value in Chinese numerals with Arabic digits instead (不少于两场 → 不少于2场)."""
    m = _CN_VALUE_RE.fullmatch(main)
    if m is None:
        return None
    number = _cn_to_number(m.group("num"))
    if number is None:
        return None
    return f"{m.group('pre')}{number_text(number)}{m.group('unit') or ''}{m.group('suf') or ''}"


def _to_float(text: str) -> float | None:
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _read_unit(text: str, pos: int) -> tuple[bool, str, int]:
    """(percent, unit, end) of what follows a number at pos."""
    p = pos + 1 if text.startswith(" ", pos) else pos  # one space: "98.5 %", "40 个"
    if text.startswith("%", p):
        return True, "%", p + 1
    if text.startswith("‰", p):
        return False, "‰", p + 1
    if text.startswith(_NOT_UNITS, p):
        return False, "", pos
    for unit in _UNITS:
        if text.startswith(unit, p):
            end = p + len(unit)
            return False, *_per_unit(text, unit, end)
    if p != pos:
        return False, "", pos  # after a space only a known unit counts
    m = _ASCII_UNIT_RE.match(text, pos)
    if m:
        return False, *_per_unit(text, m.group(), m.end())
    m = _CJK_RUN_RE.match(text, pos)
    if m:
        run = m.group()
        stop = _UNIT_STOP.search(run)
        cut = run[: stop.start()] if stop else run
        # Short text is a unit (栋, 批); a longer run is a phrase for the note.
        if cut and len(cut) <= 2 and (stop is not None or len(run) <= 2):
            return False, *_per_unit(text, cut, pos + len(cut))
    return False, "", pos


def _per_unit(text: str, unit: str, end: int) -> tuple[str, int]:
    """A compound unit such as 元/人 or 次/年."""
    if text.startswith("/", end):
        for other in _UNITS:
            if text.startswith(other, end + 1):
                return f"{unit}/{other}", end + 1 + len(other)
        m = _ASCII_UNIT_RE.match(text, end + 1)
        if m:
            return f"{unit}/{m.group()}", m.end()
    return unit, end


def _read_suffix(text: str, pos: int, unit: str) -> tuple[str | None, bool, int]:
    """(op, approximate, end) for what follows number and unit: 以上, 以内, 内, 左右."""
    p = pos + 1 if text.startswith(" ", pos) else pos
    op = None
    for word, word_op in _SUFFIX_OPS:
        if text.startswith(word, p):
            op, p = word_op, p + len(word)
            break
    else:
        # After a unit of time, 内 and 前 are deadlines: 10天内, 12月底前.
        m = _TIME_LIMIT_RE.match(text, p) if unit in _TIME_UNITS else None
        if m:
            op, p = "<=", m.end()
    if text.startswith(_APPROX_SUFFIX, p):
        return op, True, p + len(_APPROX_SUFFIX)
    return op, False, (p if op else pos)


def _ends_with_op(text: str) -> tuple[str | None, bool, str] | None:
    """(op, weak, text before it) when text ends with an operator, else None."""
    for symbol, op in _SYMBOL_OPS:
        if text.endswith(symbol):
            return op, False, text[: -len(symbol)]
    for group, weak in ((_WORD_OPS, False), (_WEAK_OPS, True)):
        for word, op in group:
            if text.endswith(word):
                before = text[: -len(word)]
                for negation in _NEGATIONS:
                    if before.endswith(negation):
                        return _NEGATED[op], False, before[: -len(negation)]
                return op, weak, before
    return None


def _strip_fillers(text: str) -> tuple[str, bool]:
    """Text without the filler words at its end (达到, 约 ...), and whether 约 was among them."""
    approx = False
    changed = True
    while changed:
        changed = False
        text = text.rstrip()
        for word in _FILLERS:
            if text.endswith(word):
                approx = approx or word in _APPROX
                text, changed = text[: -len(word)], True
                break
    return text, approx


def _read_prefix(prefix: str) -> tuple[str | None, bool, bool, str]:
    """(op, weak, approximate, leftover) from the text before the number."""
    compact = re.sub(r"\s+", "", prefix)
    compact, approx = _strip_fillers(compact)
    found = _ends_with_op(compact)
    if found is None:
        return None, False, approx, compact
    op, weak, before = found
    before, approx_before = _strip_fillers(before)
    return op, weak, approx or approx_before, before


def _parse_text(value: str) -> ParsedValue:
    text = normalize_text(value)
    if not text:
        return ParsedValue(raw="")
    raw = value.strip()
    main, notes = _split_brackets(_number_words(text))
    if not main and notes:  # all of it in brackets: "(95%)", "(合格)"
        main, notes = notes[0], notes[1:]
    if _DATE_RE.search(main):
        return ParsedValue(raw=raw, note=_join_notes([_DATE_NOTE, *notes]))
    if not any(ch.isdigit() and ch.isascii() for ch in main):
        converted = _cn_value(main)
        if converted is None:
            return ParsedValue(raw=raw, note=_join_notes(notes))
        main = converted
    m = _NUM_RE.search(main)
    if m is None:  # digits but no number, e.g. only inside a stray sign/punctuation mix
        return ParsedValue(raw=raw, note=_join_notes(notes))
    number = _to_float(m.group())
    if number is None:  # more digits than a float holds
        return ParsedValue(raw=raw, note=_join_notes([f"{_NOT_FINITE}（{_TOO_LARGE}）", *notes]))
    percent, unit, pos = _read_unit(main, m.end())

    range_note = ""
    sep = _RANGE_SEP_RE.match(main, pos)
    second = _NUM_RE.match(main, sep.end()) if sep else None
    if second is not None:
        upper = _to_float(second.group())
        percent2, unit2, end2 = _read_unit(main, second.end())
        range_note = "范围 " + main[m.start() : end2].replace(" ", "")
        if upper is not None:
            number = min(number, upper)
        percent, unit, pos = percent or percent2, unit2 or unit, end2
        if percent:
            unit = "%"

    suffix_op, approx_after, pos = _read_suffix(main, pos, unit)
    prefix_op, weak, approx_before, leftover = _read_prefix(main[: m.start()])
    if range_note:
        op: str | None = ">="
    elif prefix_op is not None and not (weak and suffix_op):
        op = prefix_op
    else:
        op = suffix_op

    if not unit and not percent:  # a unit in brackets: 95(%), 40(个)
        for i, note in enumerate(notes):
            if note == "%" or note in _UNIT_SET:
                percent, unit = note == "%", note
                notes = notes[:i] + notes[i + 1 :]
                break

    parts = [leftover, "约" if approx_before or approx_after else "", range_note, main[pos:], *notes]
    return ParsedValue(raw=raw, op=op, number=number, unit=unit, percent=percent, note=_join_notes(parts))
