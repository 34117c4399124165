"""The rule profile: every number and word the scoring rules depend on, in one place.

The defaults follow 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号) as practised. Districts differ,
so a TOML file can override any field (``perfxl check --rules district.toml``)::

    name = "某区 2021"
    decimals = 0                 # 取整到分
    tolerance = 1.0
    [level1_weights]             # TOML needs quotes around keys that are not ASCII
    "产出指标" = 40
    "效益指标" = 40
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class RulesError(ValueError):
    """A rule file that cannot be read or does not describe a valid profile."""


class RuleProfile(BaseModel):
    """评分规则: the knobs of the scoring engine and the checker."""

    model_config = ConfigDict(extra="forbid")

    name: str = "财预〔2020〕10号"
    #: Default 一级 weights, used when a heading carries no weight.
    level1_weights: dict[str, float] = Field(
        default_factory=lambda: {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0, "预算执行率指标": 10.0}
    )
    #: Decimals a score is rounded to: 2 is common practice, 0 rounds to whole points.
    decimals: int = Field(2, ge=0, le=4)
    #: How far (points) a self-score may be from the rule score before the checker says so.
    tolerance: float = Field(0.5, ge=0)
    #: How far (percentage points) a stated 预算执行进度 may be from 执行数 / 预算数.
    progress_tolerance: float = Field(0.5, ge=0)
    #: How far (金额单位) amounts may be apart and still count as equal (财政资金 + 其他 = 合计).
    amount_tolerance: float = Field(0.005, ge=0)
    #: An "=" target counts as met when the actual is within this relative distance.
    equal_tolerance: float = Field(0.0, ge=0)
    #: A bare number up to this value next to a percent target is read as a fraction (0.985 = 98.5%).
    fraction_max: float = Field(1.5, gt=0)
    #: Qualitative tiers as shares of the weight: (lowest, highest).
    tier_met: tuple[float, float] = (0.8, 1.0)  # 达成年度指标
    tier_partial: tuple[float, float] = (0.6, 0.8)  # 部分达成并具有一定效果
    tier_unmet: tuple[float, float] = (0.0, 0.6)  # 未达成且效果较差
    #: Which end of a qualitative tier is the rule score: "high", "mid" or "low".
    tier_point: str = Field("high", pattern="^(high|mid|low)$")
    #: Words in an actual value that mean a qualitative target was met / partly met / not met.
    #: Checked in the order unmet, partial, met, so that 未达到 is not read as 达到.
    words_unmet: list[str] = Field(
        default_factory=lambda: ["未达成", "未达到", "未完成", "没有", "不合格", "不达标", "较差", "差", "否", "无效"]
    )
    words_partial: list[str] = Field(default_factory=lambda: ["部分", "基本", "一定", "有所", "较好"])
    words_met: list[str] = Field(
        default_factory=lambda: [
            "达成",
            "达到",
            "完成",
            "合格",
            "达标",
            "良好",
            "优秀",
            "优良",
            "显著",
            "明显",
            "提升",
            "提高",
            "改善",
            "满意",
            "按时",
            "及时",
            "准确",
            "有效",
            "是",
            "全部",
            "100%",
            "实现",
            "符合",
        ]
    )
    #: Grade bands: the lowest total of 优, 良 and 中; below 中 is 差.
    grade_excellent: float = 90
    grade_good: float = 80
    grade_fair: float = 60
    #: Actual / target at or above which the checker asks whether the target was set too low.
    over_achievement: float = Field(3.0, gt=1)

    def default_weight(self, level1: str) -> float | None:
        """The profile's 一级 weight for ``level1``, or None when the profile has none."""
        return self.level1_weights.get(level1)

    def with_level1_weights(self, weights: Mapping[str, float]) -> RuleProfile:
        """This profile with some 一级 weights changed and the others kept (``template --weight``).

        Args:
            weights: 一级 name (perfxl's spelling, ``产出指标``) → its weight.

        Returns:
            The profile with the merged weights.

        Raises:
            RulesError: an 一级 the profile has no weight for, or merged weights not summing to 100
                (a form's total is out of 100: ``perfxl check`` would refuse every form made so).
        """
        allowed = "、".join(self.level1_weights)
        for name in weights:
            if name not in self.level1_weights:
                raise RulesError(f"没有名为“{name}”的一级指标，可用的一级指标：{allowed}（“指标”二字可省）")
        merged = {**self.level1_weights, **weights}
        total = sum(merged.values())
        if abs(total - 100) > 1e-9:
            parts = "、".join(f"{name} {value:g}" for name, value in merged.items())
            raise RulesError(f"一级指标分值合计 {total:g}（{parts}），应为 100")
        return self.model_copy(update={"level1_weights": merged})


DEFAULT_RULES = RuleProfile()


def load_rules(path: str | Path | None) -> RuleProfile:
    """Read a rule profile from a TOML file, on top of the defaults.

    Args:
        path: the TOML file, or None for the 财预〔2020〕10号 defaults.

    Returns:
        The profile.

    Raises:
        RulesError: the file cannot be read, is not TOML, or names an unknown or invalid setting.
    """
    if path is None:
        return DEFAULT_RULES
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: 无法读取规则文件 ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: 不是有效的 TOML 规则文件 ({exc})") from exc
    merged = DEFAULT_RULES.model_dump()
    if "level1_weights" in data and not data.get("replace_level1_weights", False):
        merged["level1_weights"].update(data.pop("level1_weights"))
    data.pop("replace_level1_weights", None)
    merged.update(data)
    try:
        return RuleProfile.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"{path}: 规则项 {where} 无效: {first['msg']}") from exc
