"""The form model: the one description of a 绩效自评表 that every part of perfxl uses.

A :class:`Form` holds what a form *says* (values as written, amounts as numbers); what perfxl
*computes* from it lives in :attr:`Form.computed`, filled by :func:`perfxl.engine.score_form`.
Where each value was found (``sheet!cell`` or ``line N``) lives in :attr:`Form.source`, so that
findings can point at it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: 一级指标 names as perfxl spells them (keys of ``level1_weights``).
OUTPUT = "产出指标"
BENEFIT = "效益指标"
SATISFACTION = "满意度指标"
EXECUTION = "预算执行率指标"
COST = "成本指标"
#: 二级指标 of the 预算执行率 row.
EXECUTION_L2 = "预算执行率"
#: The three amount blocks of section 二 and the parts of each, as a message names them
#: ("执行数（财政资金）").
AMOUNT_BLOCKS = {"budget": "预算数", "received": "到位数", "spent": "执行数", "initial_budget": "年初预算数"}
AMOUNT_PARTS = {"total": "", "fiscal": "（财政资金）", "carryover": "（上年结转）", "other": "（其他）"}
#: 金额单位 as forms write it → its factor to 万元 (forms are added together in 万元).
MONEY_UNITS = {"万元": 1.0, "万": 1.0, "元": 1e-4, "千元": 0.1, "亿元": 1e4}
#: What a form is: a project's form (项目支出绩效自评表) or a department's (部门整体支出绩效自评表).
PROJECT = "project"
DEPARTMENT = "department"


class Amounts(BaseModel):
    """One block of amounts: 合计 / 年度资金总额 (total), 其中:财政资金 / 当年财政拨款 (fiscal),
    上年结转资金 (carryover, central forms only) and 其他 (other), in the form's 金额单位."""

    model_config = ConfigDict(extra="forbid")

    total: float | None = None
    fiscal: float | None = None
    other: float | None = None
    carryover: float | None = None


class Indicator(BaseModel):
    """One 三级指标 row of section 四, as written.

    ``weight`` is the 分值 when the form has that column, else ``None`` (the engine infers one).
    """

    model_config = ConfigDict(extra="forbid")

    level1: str
    level2: str
    name: str
    target: str | None = None
    actual: str | None = None
    weight: float | None = None
    score: float | None = None
    deviation: str | None = None  # 偏差原因分析及改进措施, where the table has the column

    @property
    def is_execution(self) -> bool:
        """True for the 预算执行率 row, whose score comes from 执行数 / 预算数."""
        return self.level1 == EXECUTION or self.level2 == EXECUTION_L2


class IndicatorResult(BaseModel):
    """The engine's view of one indicator: the rule score (复核得分) and how it was reached."""

    model_config = ConfigDict(extra="forbid")

    weight: float | None = None
    weight_inferred: bool = False
    kind: str = "unscorable"  # quantitative | qualitative | execution | unscorable
    direction: str | None = None  # positive (≥, 越高越好) | reverse (≤, 越低越好) | equal
    met: bool | None = None
    rule_score: float | None = None
    low: float | None = None  # the range a self-score may take by the rules (qualitative tiers)
    high: float | None = None
    note: str = ""


class Computed(BaseModel):
    """What the scoring engine computed for a form (复核结果)."""

    model_config = ConfigDict(extra="forbid")

    exec_rate: float | None = None  # 预算执行率 as a fraction, 执行数 / 预算数
    budget_score: float | None = None  # the 预算执行率 score
    indicators: list[IndicatorResult] = Field(default_factory=list)
    weights_inferred: bool = False
    total: float | None = None
    grade: str | None = None  # 优 / 良 / 中 / 差
    rules: str = ""  # name of the rule profile used


class ReadNote(BaseModel):
    """Something the reader noticed in a cell (a number written as a date, a cached #DIV/0! ...)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    location: str = ""
    message: str


class Source(BaseModel):
    """Where a form came from, and where each field was found in it."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    sheet: str | None = None
    #: field path → location, e.g. ``"budget.total": "自评表!C7"``, ``"indicators.0.score": "line 14"``.
    locations: dict[str, str] = Field(default_factory=dict)
    #: How the form was found: ``names`` (perfxl's own defined names) or ``labels``.
    method: str = "labels"
    #: The indicator table's columns, as roles (``target``, ``score`` …) in column order; empty when
    #: the form has no header row: the checker asks for no 得分 where the table has no such column.
    columns: list[str] = Field(default_factory=list)
    #: What the reader noticed on the way; the checker reports each as a finding.
    notes: list[ReadNote] = Field(default_factory=list)
    #: perfxl's own workbooks: the cached results of its formula cells as last calculated, keyed
    #: like :class:`Computed` (``total``, ``grade``, ``exec_rate``, ``indicators.0.rule_score``);
    #: their cells are in ``locations`` under ``computed.<key>``.
    results: dict[str, float | str | None] = Field(default_factory=dict)


class Form(BaseModel):
    """区级部门预算项目绩效自评表: one form, as written, plus the engine's results."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = None
    kind: str = PROJECT  # project | department (部门整体支出绩效自评表)
    unit: str | None = None  # 填报单位 (a department form: 部门(单位)名称)
    department: str | None = None  # 主管部门, where the form names it apart from 实施单位
    implementing_unit: str | None = None  # 实施单位 / 实施(主管)单位
    project: str | None = None  # 项目名称
    money_unit: str | None = None  # 金额单位 as written: 万元, 元, 千元
    initial_budget: Amounts = Field(default_factory=Amounts)  # 年初预算数 (central forms)
    budget: Amounts = Field(default_factory=Amounts)  # 预算数 / 全年预算数
    received: Amounts = Field(default_factory=Amounts)  # 到位数
    spent: Amounts = Field(default_factory=Amounts)  # 执行数
    stated_progress: str | None = None  # 预算执行进度, as written
    goal: str | None = None  # 年度预期目标
    achievement: str | None = None  # 具体完成情况
    stated_completion: str | None = None  # 总体完成率, as written
    indicators: list[Indicator] = Field(default_factory=list)
    level1_weights: dict[str, float] = Field(default_factory=dict)
    stated_total: float | None = None  # 总分, as written
    problems: str | None = None  # 五、存在问题、原因及下一步整改措施
    filled_by: str | None = None  # 填报人
    phone: str | None = None  # 联系电话
    computed: Computed | None = None
    source: Source | None = None

    @property
    def budget_total(self) -> float | None:
        """The budget 执行数 is measured against: 全年预算数, else (a form whose only budget column is
        年初预算数(A), its rate B/A) 年初预算数."""
        return self.budget.total if self.budget.total is not None else self.initial_budget.total

    @property
    def group_unit(self) -> str | None:
        """The unit a summary groups this form under: 填报单位, else 实施单位, else 主管部门."""
        return self.unit or self.implementing_unit or self.department

    def location(self, path: str) -> str:
        """Where ``path`` (e.g. ``"budget.total"``) was found, or ``""`` when unknown."""
        if self.source is None:
            return ""
        return self.source.locations.get(path, "")

    def as_written(self) -> dict:
        """The form's own content, without ``computed`` and ``source`` (as in ``examples/truth``)."""
        return self.model_dump(exclude={"computed", "source"})
