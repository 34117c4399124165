"""What ``perfxl template`` may be told (:class:`TemplateOptions`), and its one error."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Formula kinds of a template, the default first: see :mod:`perfxl.write.formulas`.
FORMULA_KINDS = ("auto", "udf", "native")


class TemplateError(ValueError):
    """A template that cannot be written: a bad option, an unreadable project list, an existing file."""


class TemplateOptions(BaseModel):
    """What ``perfxl template`` may be told: the defaults make the blank official form."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, ge=1900, le=2999)  # 年度; None leaves "（    年度）" to be filled
    unit: str | None = None  # 填报单位
    project: str | None = None  # 项目名称
    budget: float | None = None  # 预算数
    rows: int = Field(3, ge=1, le=50)  # indicator rows per 二级指标 (指标 1, 指标 2, …)
    level1_weights: dict[str, float] | None = None  # None: the rule profile's
    formulas: str = Field(FORMULA_KINDS[0], pattern="^(" + "|".join(FORMULA_KINDS) + ")$")
