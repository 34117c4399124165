"""The template's result formulas: the engine's rules in built-in functions, or calls of perfxl's UDFs."""

from __future__ import annotations

from ..rules import RuleProfile
from .layout import (
    AMOUNT_COLS,
    COL_A,
    COL_A_CMP,
    COL_COUNTED,
    COL_L1,
    COL_L1_WEIGHT,
    COL_NAME,
    COL_RULE,
    COL_SCORE,
    COL_SHARE,
    COL_T,
    COL_T_CMP,
    COL_WEIGHT,
    ROW_AMOUNT_OTHER,
    ROW_AMOUNT_TOTAL,
    Layout,
    absolute,
    absolute_range,
    cell_name,
)
from .options import FORMULA_KINDS, TemplateError


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def number_literal(value: float) -> str:
    """A number as a formula writes it: 50 → ``50``, 0.05 → ``0.05``."""
    return repr(float(value)).rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


#: Spellings the native formulas turn into one (the engine's parser knows many more).
_NATIVE_SPELLINGS = (
    ("　", ""),
    (" ", ""),
    ("≥", ">="),
    ("≧", ">="),
    ("≤", "<="),
    ("≦", "<="),
    ("》", ">"),
    ("《", "<"),
    ("＞", ">"),
    ("＜", "<"),
    ("＝", "="),
    ("=>", ">="),
    ("=<", "<="),
    ("大于或等于", ">="),
    ("大于等于", ">="),
    ("小于或等于", "<="),
    ("小于等于", "<="),
    ("不少于", ">="),
    ("不低于", ">="),
    ("不小于", ">="),
    ("至少", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("不大于", "<="),
    ("不多于", "<="),
    ("％", "%"),
    ("，", ","),
    ("．", "."),
    *((chr(0xFF10 + d), str(d)) for d in range(10)),
)
#: The longest number the length helper looks for: 15 characters (Excel's 15 significant digits).
_LONGEST_NUMBER = 15


def _number_prefix(text: str) -> str:
    """The length of the longest prefix of ``text`` (a cell) that VALUE reads, up to 15; 0 for none."""
    expr = "0"
    for k in range(1, _LONGEST_NUMBER + 1):
        expr = f"IF(ISNUMBER(VALUE(LEFT({text},{k}))),{k},{expr})"
    return expr


class Formulas:
    """The formulas of one template, for one rule profile: shared by both kinds.

    Args:
        layout: where the cells are.
        rules: the rule profile (its decimals, tiers, words and grade bands go into the formulas).
    """

    kind = "native"
    calls_udfs = False

    def __init__(self, layout: Layout, rules: RuleProfile):
        self.layout, self.rules = layout, rules
        self.budget = cell_name(ROW_AMOUNT_TOTAL, AMOUNT_COLS["budget"])
        self.spent = cell_name(ROW_AMOUNT_TOTAL, AMOUNT_COLS["spent"])
        self.rate = absolute(ROW_AMOUNT_OTHER, 7)

    def _col(self, col: int) -> str:
        return absolute_range(self.layout.first, col, self.layout.last, col)

    def _round(self, expr: str) -> str:
        # Rounded to 12 decimals first, as the engine rounds 15 significant digits: Gnumeric's ROUND
        # works on the binary value and takes 2.6/3.2*10 (8.1249999…) to 8.12 where Excel gives 8.13.
        return f"ROUND(ROUND({expr},12),{self.rules.decimals})"

    # --- shared by both kinds: the weights ------------------------------------------------

    def level1_weight(self, level1: str, first_row: int) -> str:
        """一级分值: the number in the 一级 cell's brackets ("产出指标（50分）"), else the profile's."""
        b = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({absolute(first_row, COL_L1)},"（","("),"）",")"),"分","")'
        default = self.rules.default_weight(level1)
        fallback = number_literal(default) if default is not None else '""'
        return f'=IFERROR(VALUE(MID({b},FIND("(",{b})+1,FIND(")",{b})-FIND("(",{b})-1)),{fallback})'

    def weight_used(self, row: int, group: tuple[int, int]) -> str:
        """分值 used by the rules: the row's own, else what is left of the 一级 split equally
        among its indicators without one (engine.infer_weights)."""
        r = row + 1
        names = absolute_range(group[0], COL_NAME, group[1], COL_NAME)
        weights = absolute_range(group[0], COL_WEIGHT, group[1], COL_WEIGHT)
        k = cell_name(row, COL_L1_WEIGHT)
        return (
            f'=IF(D{r}="","",IF(ISNUMBER(G{r}),G{r},IF({k}="","",'
            f'MAX({k}-SUMIFS({weights},{names},"<>"),0)/COUNTIFS({names},"<>",{weights},""))))'
        )

    # --- results -------------------------------------------------------------------------

    def exec_rate(self) -> str:
        """复核执行进度 = 执行数 / 预算数."""
        b, s = self.budget, self.spent
        return f'=IF(AND(ISNUMBER({b}),ISNUMBER({s})),IF({b}>0,{s}/{b},""),"")'

    def rule_score(self, row: int) -> str:
        """复核得分 of an indicator row."""
        r = row + 1
        share = cell_name(row, COL_SHARE)
        return f'=IF(OR(L{r}="",{share}=""),"",{self._round(f"MIN(MAX({share},0),1)*L{r}")})'

    def exec_score(self, row: int) -> str:
        """复核得分 of the 预算执行率 row (its share is the rate)."""
        return Formulas.rule_score(self, row)

    def total(self) -> str:
        """复核总分: each row's 复核得分, else its 自评得分; none at all gives no total."""
        counted = self._col(COL_COUNTED)
        return f'=IF(COUNT({counted})=0,"",{self._round(f"SUM({counted})")})'

    def grade(self, ref: str) -> str:
        """等级 of a total: 优 / 良 / 中 / 差 by the profile's bands."""
        p = self.rules
        return (
            f'=IF(ISNUMBER({ref}),IF({ref}>={number_literal(p.grade_excellent)},"优",IF({ref}>={number_literal(p.grade_good)},"良",'
            f'IF({ref}>={number_literal(p.grade_fair)},"中","差"))),"")'
        )

    # --- native helpers -------------------------------------------------------------------

    def helpers(self, row: int, execution: bool) -> dict[int, str]:
        """The hidden helper formulas of one indicator row: parse 预期指标值 and 实际完成值, compare."""
        r = row + 1
        out: dict[int, str] = {}
        for cols, source in ((COL_T, f"E{r}"), (COL_A, f"F{r}")):
            out.update(self._parse(row, cols, source))
        t, a = cell_name(row, COL_T["num"]), cell_name(row, COL_A["num"])
        tp, ap = cell_name(row, COL_T["pct"]), cell_name(row, COL_A["pct"])
        fmax = number_literal(self.rules.fraction_max)
        # engine.comparable: a bare fraction beside a percent is put on the percent scale.
        out[COL_T_CMP] = f'=IF({t}="","",IF(AND({ap},NOT({tp}),{t}<={fmax}),{t}*100,{t}))'
        out[COL_A_CMP] = f'=IF({a}="","",IF(AND({tp},NOT({ap}),{a}<={fmax}),{a}*100,{a}))'
        out[COL_SHARE] = self._exec_share(row) if execution else self._share(row)
        rule, score = cell_name(row, COL_RULE), cell_name(row, COL_SCORE)
        # "" (not 0) for a row without a score, so that COUNT tells a total of 0 from no total.
        out[COL_COUNTED] = f'=IF(D{r}="","",IF(ISNUMBER({rule}),{rule},IF(ISNUMBER({score}),{score},"")))'
        return out

    def _parse(self, row: int, cols: dict[str, int], source: str) -> dict[int, str]:
        """One value parsed: normalized text, comparison, the rest, the number's length, number, %."""
        norm, rest, length = (cell_name(row, cols[k]) for k in ("norm", "rest", "len"))
        expr = f'TRIM({source}&"")'
        for old, new in _NATIVE_SPELLINGS:
            expr = f"SUBSTITUTE({expr},{_quote(old)},{_quote(new)})"
        prefix_len = f'IF(OR(LEFT({norm},2)=">=",LEFT({norm},2)="<="),2,IF(OR(LEFT({norm},1)=">",LEFT({norm},1)="<",LEFT({norm},1)="="),1,0))'
        return {
            cols["norm"]: f"={expr}",
            cols["op"]: (
                f'=IF(OR(LEFT({norm},2)=">=",LEFT({norm},2)="<="),LEFT({norm},2),'
                f'IF(OR(LEFT({norm},1)=">",LEFT({norm},1)="<",LEFT({norm},1)="="),LEFT({norm},1),'
                f'IF(ISNUMBER(FIND("以上",{norm})),">=",IF(OR(ISNUMBER(FIND("以下",{norm})),ISNUMBER(FIND("以内",{norm}))),"<=",""))))'
            ),
            cols["rest"]: f"=MID({norm},{prefix_len}+1,255)",
            # The longest prefix of the rest that is a number ("40个" → 2, "98.5%" → 5): a chain of
            # scalar tests, longest first, as no host need evaluate an array for it (Gnumeric does not).
            cols["len"]: f'=IF({rest}="",0,MIN(LEN({rest}),{_number_prefix(rest)}))',
            cols["num"]: (
                f'=IF({length}=0,"",IF(RIGHT(LEFT({rest},{length}),1)="%",'
                f"VALUE(LEFT({rest},{length}-1)),VALUE(LEFT({rest},{length}))))"
            ),
            cols["pct"]: f'=AND({length}>0,RIGHT(LEFT({rest},{length}),1)="%")',
        }

    def _share(self, row: int) -> str:
        """Share of the weight an indicator earns: quantitative by the ratio, qualitative by tier."""
        r = row + 1
        p = self.rules
        t, a = cell_name(row, COL_T_CMP), cell_name(row, COL_A_CMP)
        op = cell_name(row, COL_T["op"])
        tol = number_literal(p.equal_tolerance)
        reverse = f'IF(IF({op}="<",{a}<{t},{a}<={t}),1,IF(AND({a}>0,{t}>=0),{t}/{a},0))'
        equal = f"IF(OR(ABS({a}-{t})<={tol}*ABS({t}),{a}={t}),1,IF(AND({a}>0,{t}>0),MIN({a},{t})/MAX({a},{t}),0))"
        positive = f'IF(IF({op}=">",{a}>{t},{a}>={t}),1,IF({t}>0,{a}/{t},0))'
        quantitative = f'IF(OR({op}="<=",{op}="<"),{reverse},IF({op}="=",{equal},{positive}))'
        point = {"high": 1, "low": 0, "mid": None}[p.tier_point]

        def tier(pair: tuple[float, float]) -> str:
            return number_literal(pair[1] if point == 1 else pair[0] if point == 0 else (pair[0] + pair[1]) / 2)

        def has(words: list[str]) -> str:
            return "OR(" + ",".join(f"ISNUMBER(FIND({_quote(w)},F{r}))" for w in words) + ")" if words else "FALSE"

        qualitative = (
            f"IF(TRIM(F{r})=TRIM(E{r}),{tier(p.tier_met)},IF({has(p.words_unmet)},{tier(p.tier_unmet)},"
            f'IF({has(p.words_partial)},{tier(p.tier_partial)},IF({has(p.words_met)},{tier(p.tier_met)},""))))'
        )
        return (
            f'=IF(OR({cell_name(row, COL_T["norm"])}="",{cell_name(row, COL_A["norm"])}=""),"",'
            f"IF(AND(ISNUMBER({t}),ISNUMBER({a})),{quantitative},{qualitative}))"
        )

    def _exec_share(self, row: int) -> str:
        """The 预算执行率 row earns the rate; without amounts, its 实际完成值 as a rate."""
        a, ap = cell_name(row, COL_A["num"]), cell_name(row, COL_A["pct"])
        fmax = number_literal(self.rules.fraction_max)
        return f'=IF(ISNUMBER({self.rate}),{self.rate},IF({a}="","",IF(OR({ap},{a}>{fmax}),{a}/100,{a})))'


class UdfFormulas(Formulas):
    """The same cells calling the xlwings functions of :mod:`perfxl.udfs` (the engine itself)."""

    kind = "udf"
    calls_udfs = True

    def exec_rate(self) -> str:
        return f"=perfxl_exec_rate({self.budget},{self.spent})"

    def rule_score(self, row: int) -> str:
        r = row + 1
        return f"=perfxl_score(E{r},F{r},L{r})"

    def exec_score(self, row: int) -> str:
        r = row + 1
        return f"=perfxl_exec_score({self.budget},{self.spent},L{r},F{r})"

    def total(self) -> str:
        return f"=perfxl_total({self._col(COL_RULE)},{self._col(COL_SCORE)})"

    def grade(self, ref: str) -> str:
        return f"=perfxl_grade({ref})"

    def helpers(self, row: int, execution: bool) -> dict[int, str]:
        return {}


#: How Excel stores a call of an Office.js custom function (xlwings Lite's) in a file:
#: ``_xldudf_PERFXL_SCORE(…)`` (Excel writes Office.js functions with this prefix; README, xlwings Lite).
LITE_PREFIX = "_xldudf_"


def lite_call(udf_formula: str) -> str:
    """The xlwings Lite spelling of a UDF call: ``=perfxl_score(E12,…)`` → ``_xldudf_PERFXL_SCORE(E12,…)``."""
    name, _, rest = udf_formula.lstrip("=").partition("(")
    return f"{LITE_PREFIX}{name.upper()}({rest}"


class FallbackFormulas(Formulas):
    """Each result calls perfxl's UDF, else xlwings Lite's, else the built-in formula.

    Where the add-in (or Lite) is loaded, its function answers (a number, "" or a "#…" text, never
    an error value); elsewhere each call is #NAME?, which IFERROR turns into the next one.
    """

    kind = "auto"
    calls_udfs = True

    def __init__(self, layout: Layout, rules: RuleProfile):
        super().__init__(layout, rules)
        self.udf = UdfFormulas(layout, rules)

    @staticmethod
    def _either(udf: str, native: str) -> str:
        return f"=IFERROR({udf[1:]},IFERROR({lite_call(udf)},{native[1:]}))"

    def exec_rate(self) -> str:
        return self._either(self.udf.exec_rate(), super().exec_rate())

    def rule_score(self, row: int) -> str:
        return self._either(self.udf.rule_score(row), super().rule_score(row))

    def exec_score(self, row: int) -> str:
        return self._either(self.udf.exec_score(row), super().exec_score(row))

    def total(self) -> str:
        return self._either(self.udf.total(), super().total())

    def grade(self, ref: str) -> str:
        return self._either(self.udf.grade(ref), super().grade(ref))


_KINDS: dict[str, type[Formulas]] = {"auto": FallbackFormulas, "udf": UdfFormulas, "native": Formulas}


def formulas_for(kind: str, layout: Layout, rules: RuleProfile) -> Formulas:
    """The formula set of a template kind (``auto``, ``udf`` or ``native``)."""
    if kind not in FORMULA_KINDS:
        raise TemplateError(f"未知的公式类型“{kind}”（应为 {' / '.join(FORMULA_KINDS)}）")
    return _KINDS[kind](layout, rules)


#: Every built-in function the formulas call (the README lists them): each in Excel 2007, WPS,
#: LibreOffice and Gnumeric alike, none needing a host to evaluate an array.
PLAIN_FUNCTIONS = frozenset(
    {
        "ABS",
        "AND",
        "COUNT",
        "COUNTIFS",
        "FIND",
        "IF",
        "IFERROR",
        "ISNUMBER",
        "LEFT",
        "LEN",
        "MAX",
        "MID",
        "MIN",
        "NOT",
        "OR",
        "RIGHT",
        "ROUND",
        "SUBSTITUTE",
        "SUM",
        "SUMIFS",
        "TRIM",
        "VALUE",
    }
)
