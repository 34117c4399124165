"""The scoring engine: 财预〔2020〕10号 scoring rules as pure functions, no I/O.

The UDFs, the checker, the consolidator and the tests of the plain-Excel formulas all score through
this module, so that a rule lives in one place. Every number the rules depend on comes from a
:class:`~perfxl.rules.RuleProfile`.

Rules, in short (``../docs`` and the README say more):

- 预算执行率 = 执行数 / 预算数; its score = min(rate, 1) × weight.
- A quantitative indicator met scores its full weight; not met, proportionally: positive (≥)
  ``actual / target × weight``, reverse (≤) ``target / actual × weight``, "=" by the nearer ratio;
  always within [0, weight].
- A qualitative indicator scores by tier: met 80–100 %, partly met 60–80 %, not met 0–60 % of the
  weight; the rule score is one end of the tier (``tier_point``), the tier is the allowed range.
- When a form has no 分值 column, an 一级 weight is split equally among its indicators
  (:func:`infer_weights`); such weights are marked inferred.
- Grade: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from .model import EXECUTION, Computed, Form, Indicator, IndicatorResult
from .rules import DEFAULT_RULES, RuleProfile
from .values import ParsedValue, parse_value

POSITIVE, REVERSE, EQUAL = "positive", "reverse", "equal"


def round_score(value: float | None, rules: RuleProfile = DEFAULT_RULES) -> float | None:
    """Round half up, as Excel's ROUND does (2.675 → 2.68), to ``rules.decimals``.

    Args:
        value: a score, or None.
        rules: the rule profile.

    Returns:
        The rounded score, or None.
    """
    if value is None or not math.isfinite(value):
        return None
    # Most scores are whole (10, 40, 100): a whole number below 10**15 prints as itself at 15
    # significant digits and has no decimals to round away, so it needs no text.
    if value % 1 == 0 and -1e15 < value < 1e15:
        return float(value)
    return _round_half_up(value, rules.decimals)


def _round_half_up(value: float, decimals: int) -> float:
    """:func:`round_score` of a finite number, by its text."""
    # 15 significant digits first, as Excel and LibreOffice do: 0.85 × 15.5 is 13.174999999999999
    # in binary but 13.175 to them, and ROUND gives 13.18.
    text = f"{value:.15g}"
    if "e" in text:  # very large or small: let Decimal read the exponent
        return float(Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    whole, _, fraction = text.partition(".")
    if len(fraction) <= decimals:
        return float(text)  # nothing to round away
    # Half up on the decimal digits, as Decimal's quantize does; int / int is correctly rounded,
    # like float() of the quantized Decimal, so the result is the same float (and -0.0 stays -0.0).
    negative = whole.startswith("-")
    kept = int(whole.lstrip("-") + fraction[:decimals]) + (fraction[decimals] >= "5")
    rounded = kept / 10**decimals
    return -rounded if negative else rounded


def exec_rate(spent: float | None, budget: float | None) -> float | None:
    """预算执行率 = 执行数 / 预算数, as a fraction (0.8619 for 86.19 %).

    Args:
        spent: 执行数.
        budget: 预算数 (调整后).

    Returns:
        The rate, or None when either amount is missing or the budget is not positive.
    """
    if spent is None or budget is None or not (math.isfinite(spent) and math.isfinite(budget)):
        return None
    if budget <= 0:
        return None
    return spent / budget


def execution_score(rate: float | None, weight: float | None, rules: RuleProfile = DEFAULT_RULES) -> float | None:
    """The 预算执行率 score: min(rate, 1) × weight, rounded by the profile.

    Args:
        rate: 预算执行率 as a fraction.
        weight: the 预算执行率指标 weight (10 by default).
        rules: the rule profile.

    Returns:
        The score, or None when rate or weight is unknown.
    """
    if rate is None or weight is None:
        return None
    return round_score(min(max(rate, 0.0), 1.0) * weight, rules)


def grade(total: float | None, rules: RuleProfile = DEFAULT_RULES) -> str | None:
    """等级 of a total score: 优 / 良 / 中 / 差 by the profile's bands.

    Args:
        total: the total score.
        rules: the rule profile.

    Returns:
        The grade, or None for no total.
    """
    if total is None or not math.isfinite(total):
        return None
    if total >= rules.grade_excellent:
        return "优"
    if total >= rules.grade_good:
        return "良"
    if total >= rules.grade_fair:
        return "中"
    return "差"


def as_fraction(value: ParsedValue, rules: RuleProfile = DEFAULT_RULES) -> float | None:
    """A rate written by a person (``98.5%``, ``98.5``, ``0.985``) as a fraction.

    Args:
        value: the parsed value.
        rules: the rule profile (``fraction_max``: a bare number up to it is already a fraction).

    Returns:
        The fraction, or None when the value holds no number.
    """
    if value.number is None:
        return None
    if value.percent or value.number > rules.fraction_max:
        return value.number / 100
    return value.number


def comparable(
    target: ParsedValue, actual: ParsedValue, rules: RuleProfile = DEFAULT_RULES
) -> tuple[float, float] | None:
    """Target and actual as two numbers on one scale.

    A percent on one side and a bare number on the other are put on the percent scale: a bare
    number up to ``rules.fraction_max`` is a fraction (0.985 → 98.5), a larger one is already in
    percent points (90 → 90), so that 0.985 against ≥95% is 98.5 %, never 1 %.

    Returns:
        (target, actual), or None when either has no number.
    """
    if target.number is None or actual.number is None:
        return None
    t, a = target.number, actual.number
    if target.percent and not actual.percent and a <= rules.fraction_max:
        a *= 100
    elif actual.percent and not target.percent and t <= rules.fraction_max:
        t *= 100
    return t, a


def direction(target: ParsedValue) -> str:
    """positive (≥, higher is better), reverse (≤, lower is better) or equal (=), from the target's sign."""
    if target.op in ("<=", "<"):
        return REVERSE
    if target.op == "=":
        return EQUAL
    return POSITIVE


def _quantitative(
    t: float, a: float, weight: float, way: str, op: str | None, rules: RuleProfile
) -> tuple[bool, float]:
    """(met, share of the weight) for numbers on one scale."""
    if way == POSITIVE:
        met = a > t if op == ">" else a >= t
        if met:
            return True, 1.0
        return False, (a / t if t > 0 else 0.0)
    if way == REVERSE:
        met = a < t if op == "<" else a <= t
        if met:
            return True, 1.0
        return False, (t / a if a > 0 and t >= 0 else 0.0)
    if abs(a - t) <= rules.equal_tolerance * abs(t) or a == t:
        return True, 1.0
    if a > 0 and t > 0:
        return False, min(a, t) / max(a, t)
    return False, 0.0


def qualitative_tier(target: ParsedValue, actual: ParsedValue, rules: RuleProfile = DEFAULT_RULES) -> str | None:
    """Which tier a qualitative result falls in: ``met``, ``partial``, ``unmet``, or None when unclear.

    The result is met when it repeats the target, or uses a word of ``rules.words_met``; words of
    ``words_unmet`` and ``words_partial`` are looked for first, so that 未达到 is not read as 达到.
    """
    text = actual.raw.strip()
    if not text:
        return None
    if target.raw.strip() and text == target.raw.strip():
        return "met"
    for tier, words in (("unmet", rules.words_unmet), ("partial", rules.words_partial), ("met", rules.words_met)):
        if any(word in text for word in words):
            return tier
    return None


def score_indicator(
    target: str | float | None,
    actual: str | float | None,
    weight: float | None,
    rules: RuleProfile = DEFAULT_RULES,
) -> IndicatorResult:
    """The rule score (复核得分) of one indicator from its 预期指标值, 实际完成值 and 分值.

    Args:
        target: 预期指标值 as written ("≥40个", ">=95%", "合格") or a cell's number.
        actual: 实际完成值 as written or a cell's number.
        weight: 分值; None when unknown (the result then has no score).
        rules: the rule profile.

    Returns:
        The result: kind, direction, whether met, the rule score and the range a self-score may take.
    """
    return IndicatorResult(weight=weight, **_indicator_fields(target, actual, weight, rules))


def _indicator_fields(target, actual, weight: float | None, rules: RuleProfile) -> dict:
    """The fields of :func:`score_indicator`'s result other than ``weight``, only those it sets.

    A dict, so that the result is made (and validated) once, not set field by field: a pydantic
    attribute set costs as much as making the model.
    """
    t, a = parse_value(target), parse_value(actual)
    if not a.raw:  # a.empty, without a property call
        return {"note": "未填写实际完成值"}
    if not t.raw:
        return {"note": "未填写预期指标值"}
    pair = comparable(t, a, rules)
    if pair is not None:
        way = direction(t)
        met, share = _quantitative(pair[0], pair[1], 0.0 if weight is None else weight, way, t.op, rules)
        fields = {"kind": "quantitative", "direction": way, "met": met}
        if weight is not None:
            score = round_score(min(max(share, 0.0), 1.0) * weight, rules)
            fields["rule_score"] = fields["low"] = fields["high"] = score
        return fields
    tier = qualitative_tier(t, a, rules)
    if tier is None:
        return {"kind": "qualitative", "note": "无法判断定性指标是否达成"}
    fields = {"kind": "qualitative", "met": tier == "met"}
    if weight is not None:
        low, high = {"met": rules.tier_met, "partial": rules.tier_partial, "unmet": rules.tier_unmet}[tier]
        point = {"high": high, "low": low, "mid": (low + high) / 2}[rules.tier_point]
        fields["rule_score"] = round_score(point * weight, rules)
        fields["low"], fields["high"] = round_score(low * weight, rules), round_score(high * weight, rules)
    return fields


def level1_weight(form: Form, level1: str, rules: RuleProfile = DEFAULT_RULES) -> float | None:
    """The weight of an 一级指标: the form's heading; else, when the form gives every indicator of it a
    分值, their sum (the central form weighs indicators, not 一级); else the profile's default."""
    if level1 in form.level1_weights:
        return form.level1_weights[level1]
    weights = [ind.weight for ind in form.indicators if ind.level1 == level1]
    if weights and None not in weights:
        return sum(weights)  # type: ignore[arg-type]
    return rules.default_weight(level1)


def infer_weights(form: Form, rules: RuleProfile = DEFAULT_RULES) -> list[tuple[float | None, bool]]:
    """Each indicator's 分值, and whether it was inferred.

    A weight written on the form (分值 column) is used as it is. Otherwise the 一级 weight, less
    the weights written for that 一级, is split equally among its indicators without one. This is
    the documented inference for district forms, which have no 分值 column.

    Returns:
        One (weight, inferred) pair per indicator, in form order; weight None when the 一级 weight
        is unknown.
    """
    out: list[tuple[float | None, bool]] = [(ind.weight, False) for ind in form.indicators]
    # per 一级: its indicators without 分值, and the weights written for it
    missing_by_level1: dict[str, list[int]] = {}
    given_by_level1: dict[str, list[float]] = {}
    for i, ind in enumerate(form.indicators):
        if ind.weight is None:
            missing_by_level1.setdefault(ind.level1, []).append(i)
        else:
            given_by_level1.setdefault(ind.level1, []).append(ind.weight)
    for level1, missing in missing_by_level1.items():
        total = level1_weight(form, level1, rules)
        if total is None:
            continue
        given = sum(given_by_level1.get(level1, ()), 0.0)
        share = max(total - given, 0.0) / len(missing)
        # A lone indicator without 分值 takes what is left of its 一级 weight: that is not a guess.
        guessed = len(missing) > 1
        for i in missing:
            out[i] = (share, guessed)
    return out


def _execution_result(
    form: Form, ind: Indicator | None, weight: float | None, rules: RuleProfile
) -> tuple[float | None, dict]:
    """The 预算执行率 rate, and the fields of its result other than ``weight`` (as
    :func:`_indicator_fields`): from 执行数 / 预算数, else from the row's 实际完成值."""
    rate = exec_rate(form.spent.total, form.budget_total)
    note = ""
    if rate is None and ind is not None:
        rate = as_fraction(parse_value(ind.actual), rules)
        if rate is not None:
            note = "执行数或预算数缺失，按实际完成值计算"
    fields: dict[str, object] = {"kind": "execution", "direction": POSITIVE, "note": note}
    if rate is not None:
        fields["met"] = rate >= 1.0
        fields["rule_score"] = fields["low"] = fields["high"] = execution_score(rate, weight, rules)
    elif not note:
        fields["note"] = "无法计算预算执行率"
    return rate, fields


def execution_counts_separately(form: Form, budget_weight: float | None) -> bool:
    """Whether a form without a 预算执行率 row still scores execution (the central form scores it
    in its 项目资金 table): its 一级 weights name it, or its 分值 leave exactly its weight of 100."""
    if EXECUTION in form.level1_weights:
        return True
    weights = [ind.weight for ind in form.indicators if ind.weight is not None]
    if not weights or budget_weight is None or len(weights) < len(form.indicators):
        return False
    return abs(sum(weights) + budget_weight - 100) < 0.01


def total_score(pairs, rules: RuleProfile = DEFAULT_RULES) -> float | None:
    """总分: row by row the rule score, else the self-score, summed in order and rounded.

    Args:
        pairs: (rule score, self-score) per row; either may be None.
        rules: the rule profile.

    Returns:
        The total, or None when no row has either score (a blank form has no total, not 0 / 差).
    """
    total, counted = 0.0, False
    for rule, own in pairs:
        score = rule if rule is not None else own
        if score is not None:
            total += score
            counted = True
    return round_score(total, rules) if counted else None


def _unfilled(form: Form) -> bool:
    """Whether no indicator has a self-score and none but 预算执行率 has an actual value."""
    for ind in form.indicators:
        if ind.score is not None or ind.actual and not ind.is_execution:
            return False
    return True


def score_form(form: Form, rules: RuleProfile = DEFAULT_RULES) -> Computed:
    """Score a whole form by the rules: 预算执行率, each indicator, the total and the grade.

    An indicator the rules cannot score (no actual, an unclear qualitative result, unknown weight)
    keeps its self-score in the total, and its result says why. A form with nothing scored at all
    (no rule score, no self-score: a blank template) has no total and no grade, and neither has a
    form whose indicators have no 完成值 and no 得分 (a template sent back unfilled).

    Args:
        form: the form, as read.
        rules: the rule profile.

    Returns:
        The computed results; the form itself is not changed.
    """
    weights = infer_weights(form, rules)
    results: list[IndicatorResult] = []
    rate = None
    has_execution_row = weights_inferred = False
    for ind, (weight, inferred) in zip(form.indicators, weights):
        if ind.is_execution:
            has_execution_row = True
            rate, fields = _execution_result(form, ind, weight, rules)
        else:
            fields = _indicator_fields(ind.target, ind.actual, weight, rules)
        fields["weight"], fields["weight_inferred"] = weight, inferred
        weights_inferred = weights_inferred or inferred
        results.append(IndicatorResult(**fields))
    if not has_execution_row:
        rate = exec_rate(form.spent.total, form.budget_total)
    budget_weight = level1_weight(form, EXECUTION, rules)
    budget_score = execution_score(rate, budget_weight, rules)

    pairs = [(res.rule_score, ind.score) for ind, res in zip(form.indicators, results)]
    if not has_execution_row and budget_score is not None and execution_counts_separately(form, budget_weight):
        pairs.append((budget_score, None))
    total_r = total_score(pairs, rules)
    if total_r is not None and _unfilled(form):
        total_r = None  # a form sent back with no 完成值 and no 得分 has no total to grade
    return Computed(
        **{
            "exec_rate": rate,
            "budget_score": budget_score,
            "indicators": results,
            "weights_inferred": weights_inferred,
            "total": total_r,
            "grade": grade(total_r, rules),
            "rules": rules.name,
        }
    )


def scored(form: Form, rules: RuleProfile = DEFAULT_RULES) -> Form:
    """A copy of ``form`` with :attr:`~perfxl.model.Form.computed` filled in."""
    return form.model_copy(update={"computed": score_form(form, rules)})
