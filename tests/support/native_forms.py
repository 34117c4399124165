"""Forms whose values stay within what the template's native formulas understand.

The native (built-in functions only) template claims to give the engine's numbers for the values
people write most: numbers, percentages, ≥ ≤ >= <= 》= 不少于 不超过 以上 以内 with units, full-width
digits and signs, and qualitative results by the rule profile's words. :func:`native_forms` makes
deterministic random forms over exactly that set, so that a LibreOffice recalculation can be held
against the engine on far more combinations than the 13 seed forms hold.
"""

from __future__ import annotations

import random

from perfxl.model import BENEFIT, EXECUTION, EXECUTION_L2, OUTPUT, SATISFACTION, Amounts, Form, Indicator

_UNITS = ("个", "人次", "份", "场次", "天", "家", "")
_FULL_WIDTH = str.maketrans("0123456789%>=", "０１２３４５６７８９％＞＝")


def _number(rng: random.Random) -> str:
    value = rng.choice([rng.randint(1, 200), round(rng.uniform(1, 120), 1)])
    return str(value)


def _quantitative(rng: random.Random) -> tuple[str, str]:
    """(预期指标值, 实际完成值), both with numbers."""
    unit = rng.choice(_UNITS)
    t, a = _number(rng), _number(rng)
    if rng.random() < 0.4:  # percentages, with a bare fraction or number now and then
        t = str(rng.choice([80, 85, 90, 95, 98, 100]))
        target = rng.choice(["{}%", "≥{}%", ">={}%", "》={}%", "{}%以上", "不低于{}%", "≤{}%", "={}%"]).format(t)
        actual = rng.choice([f"{rng.randint(60, 100)}%", f"{rng.randint(60, 100) / 100}", f"{rng.randint(60, 100)}"])
    else:
        target = rng.choice(
            [
                "{}{}",
                "≥{}{}",
                ">={}{}",
                "》={}{}",
                "不少于{}{}",
                "{}{}以上",
                "≤{}{}",
                "<={}{}",
                "不超过{}{}",
                "{}{}以内",
                "={}{}",
                ">{}{}",
                "<{}{}",
            ]
        ).format(t, unit)
        actual = rng.choice(["{}{}", "{}", "》={}{}"]).format(a, unit)
    if rng.random() < 0.15:
        target = target.translate(_FULL_WIDTH)
    return target, actual


def _qualitative(rng: random.Random) -> tuple[str, str]:
    target = rng.choice(["合格", "明显提升", "达到预期", "群众满意", "按时完成"])
    actual = rng.choice(["达成", "部分达成", "未达成", "良好", "基本完成", "未达到预期", target, "一般", "有所改善"])
    return target, actual


def native_forms(count: int, seed: int = 2020) -> list[Form]:
    """``count`` forms (deterministic for a seed) over the native formulas' value set.

    Args:
        count: how many forms.
        seed: the random seed.

    Returns:
        Forms with 3–8 indicators, sometimes with 分值, sometimes without amounts (the 预算执行率
        row then scores its 实际完成值), self-scores set at random.
    """
    rng = random.Random(seed)
    forms = []
    levels = {
        OUTPUT: ["数量指标", "质量指标", "时效指标"],
        BENEFIT: ["社会效益指标", "经济效益指标"],
        SATISFACTION: ["满意度指标"],
    }
    for k in range(count):
        indicators = []
        for level1, level2s in levels.items():
            for level2 in level2s:
                for i in range(rng.choice([0, 1, 1, 2])):
                    target, actual = (_qualitative if rng.random() < 0.3 else _quantitative)(rng)
                    indicators.append(
                        Indicator(
                            level1=level1,
                            level2=level2,
                            name=f"{level2[:2]}指标{k}-{i}",
                            target=target,
                            actual=actual,
                            weight=rng.choice([None, None, 10, 15.5]),
                            score=rng.choice([None, 8, 10]),
                        )
                    )
        with_amounts = rng.random() < 0.8
        budget = round(rng.uniform(1, 500), 2)
        spent = round(budget * rng.uniform(0.3, 1.2), 2)
        indicators.insert(
            1,
            Indicator(
                level1=EXECUTION,
                level2=EXECUTION_L2,
                name=EXECUTION_L2,
                target="100%",
                actual=f"{rng.randint(50, 100)}%",
                score=rng.choice([None, 9]),
            ),
        )
        weights = {OUTPUT: 50, EXECUTION: 10, BENEFIT: 30, SATISFACTION: 10}
        if rng.random() < 0.5:
            weights = {OUTPUT: 40, EXECUTION: 10, BENEFIT: 40, SATISFACTION: 10}
        forms.append(
            Form(
                year=2020,
                unit="测试单位",
                project=f"原生公式测试项目{k}",
                money_unit="万元",
                budget=Amounts(total=budget if with_amounts else None),
                spent=Amounts(total=spent if with_amounts else None),
                indicators=indicators,
                level1_weights=weights,
                stated_total=rng.choice([None, 95]),
            )
        )
    return forms
