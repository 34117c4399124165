"""What perfxl knows of the forms' layouts, as data: every label, heading and marker spelling.

The district form of the seed, the central 2020 form (财预〔2020〕10号), the provinces' split-target
forms, older central forms, score-method columns, weight-only 一级 cells and the department-level
form all say the same things in other words. A new layout is taught here, by adding its spellings;
the reader's code stays as it is. Spellings are written with half-width brackets and colons: the
reader matches either width, spaces anywhere between characters.
"""

from __future__ import annotations

import re

from ..model import BENEFIT, COST, EXECUTION, OUTPUT, SATISFACTION

# ---------------------------------------------------------------------------------------------
# Labels of the form's fields (sections 一 to 三, 五, and what stands around them)

#: (field, spellings, inline): ``field`` is a Form field, ``amount:<block>.<part>``, ``block:<block>``
#: or ``section``;
#: ``inline`` says whether the same cell may hold the value after the label: ``any`` (填报人张聪),
#: ``colon`` (only after a colon), ``number`` (amounts), ``money`` (only a money unit: 单位：万元)
#: or ``never``. Within a field the longest spelling wins; across fields the first in this order.
LABEL_SPELLINGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("section", ("一、", "二、", "三、", "四、"), "never"),
    (
        "unit",
        (
            "填报单位(盖章)",
            "填报单位",
            "单位名称",
            "单位(盖章)",
            "部门(单位)名称",
            "部门(单位)",
            "部门名称",
            "预算单位",
        ),
        "any",
    ),
    ("unit", ("部门",), "colon"),
    ("money_unit", ("金额单位", "资金单位"), "any"),
    ("money_unit", ("单位",), "money"),
    ("project", ("项目名称", "专项资金名称", "项目(专项资金)名称"), "colon"),
    (
        "implementing_unit",
        ("实施(主管)单位", "实施(主管)部门", "项目实施单位", "实施单位(盖章)", "实施单位", "项目承担单位"),
        "colon",
    ),
    ("department", ("主管部门", "主管单位", "项目主管部门", "主管部门(盖章)", "县级主管部门", "市级主管部门"), "colon"),
    ("block:budget", ("预算安排情况(调整后)", "预算安排情况", "预算安排"), "never"),
    ("block:received", ("资金到位情况", "到位情况"), "never"),
    ("block:spent", ("资金执行情况", "执行情况"), "never"),
    ("amount:budget.total", ("调整后预算数", "全年预算数", "预算数"), "number"),
    ("amount:received.total", ("资金到位数", "到位数"), "number"),
    ("amount:spent.total", ("全年执行数", "实际执行数", "预算执行数", "执行数"), "number"),
    (
        "amount:*.fiscal",
        (
            "其中:财政资金",
            "其中:财政拨款",
            "其中:当年财政拨款",
            "其中:本年财政拨款",
            "财政资金",
            "当年财政拨款",
            "本年财政拨款",
            "财政拨款",
        ),
        "number",
    ),
    ("amount:*.carryover", ("上年结转资金", "上年结转", "其中:上年结转资金"), "number"),
    ("amount:*.other", ("其中:其他资金", "其中:其他", "其他资金", "其他"), "number"),
    ("stated_progress", ("预算执行进度", "预算执行率", "执行率"), "any"),
    (
        "goal",
        (
            "年度预期目标",
            "年度绩效目标",
            "年度总体目标",
            "项目年度目标",
            "年初设定目标",
            "年度目标",
            "预期目标",
            "总体目标",
        ),
        "colon",
    ),
    (
        "achievement",
        (
            "具体完成情况",
            "年度总体目标完成情况综述",
            "年度总体目标完成情况",
            "全年实际完成情况",
            "年度目标完成情况",
            "目标完成情况",
        ),
        "colon",
    ),
    ("achievement", ("实际完成情况",), "never"),
    ("stated_completion", ("总体完成率", "目标完成率"), "any"),
    (
        "problems",
        (
            "五、存在问题、原因及下一步整改措施",
            "存在问题、原因及下一步整改措施",
            "存在问题及整改措施",
            "存在的问题及原因分析",
            "五、存在问题",
            "存在问题",
        ),
        "colon",
    ),
    ("filled_by", ("填报人", "填表人", "经办人"), "any"),
    ("phone", ("联系电话", "电话"), "any"),
)

#: A money unit in a heading: 项目资金（万元）, 金额单位：元, 单位：万元.
MONEY_IN_HEADING_RE = re.compile(r"[(（]\s*(万元|千元|亿元|元)\s*[)）]|(?:金额)?单位\s*[:：]\s*(万元|千元|亿元|元)\b")

# ---------------------------------------------------------------------------------------------
# Titles and kinds of form

#: A form's title: 绩效自评表 and its longer names (项目支出绩效自评表, 部门整体支出绩效自评表,
#: 项目绩效自评价表, 绩效目标自评表). A cell with one, of at most 60 characters, starts a form.
TITLE_RE = re.compile(r"绩\s*效\s*(?:目\s*标\s*)?自\s*评\s*(?:价\s*)?(?:情\s*况\s*)?表")
#: The department-level form (部门整体支出绩效自评表): not a project form.
DEPARTMENT_TITLE_RE = re.compile(
    r"部\s*门\s*(?:\(|（)?\s*单?\s*位?\s*(?:\)|）)?\s*整\s*体\s*支\s*出|整\s*体\s*支\s*出\s*绩\s*效"
)
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*度")
#: The year of a title written without 度: 2022年项目支出绩效自评指标计分表.
TITLE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年.{0,20}(?:绩效|自评|整体支出)")
#: The 一级 names of a department's rubric (部门决策, 部门预算管理): a form with no title that tells.
DEPARTMENT_LEVEL1_RE = re.compile(r"^部门")

# ---------------------------------------------------------------------------------------------
# The funds block of the central form: columns by heading, rows by label

#: Column headings of a funds table (项目资金: 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分),
#: each to what its column holds; letters in brackets ((A), (B/A)) are left out before matching.
FUNDS_COLUMNS: dict[str, tuple[str, ...]] = {
    "initial_budget": ("年初预算数", "年初预算"),
    "budget": ("全年预算数", "调整后预算数", "调整预算数", "调整后预算", "预算数", "全年预算"),
    "received": ("资金到位数", "到位数", "全年到位数"),
    "spent": ("全年执行数", "预算执行数", "实际执行数", "执行数", "实际支出数", "全年支出数"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率", "资金执行率"),
    "score": ("得分", "自评得分"),
}
#: Row labels of a funds table, each to its part of the amounts.
FUNDS_ROWS: dict[str, tuple[str, ...]] = {
    "total": ("年度资金总额", "资金总额", "合计", "总额", "项目资金总额"),
    "fiscal": (
        "其中:当年财政拨款",
        "其中:本年财政拨款",
        "其中:财政拨款",
        "其中:财政资金",
        "当年财政拨款",
        "本年财政拨款",
        "财政拨款",
        "财政资金",
        "财政性资金",
        "一般公共预算资金",
        "一般公共预算",
        "其中:本年一般公共预算拨款",
        "本年一般公共预算拨款",
        "其中:一般公共预算拨款",
    ),
    "carryover": ("上年结转资金", "其中:上年结转资金", "上年结转", "结转资金"),
    "other": ("其他资金", "其中:其他资金", "其他", "其他来源资金", "自筹资金"),
}

# ---------------------------------------------------------------------------------------------
# The indicator table: columns by heading

#: Column headings of the indicator table, each to its role. A heading takes the role of the
#: longest spelling it starts or ends with (得分计算方法 is a method, not a score; 全年实际完成值 an
#: actual); bracketed notes are left
#: out first (实际完成值(B), 权重(%), 指标值(包含数字及文字描述)). Roles that are no Indicator field:
#: ``op`` (指标性质: ≥ ≤ = 定性) and ``measure`` (度量单位), joined into the target; ``method``
#: (得分计算方法, 评分标准), text that is never a value.
TABLE_HEADINGS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "绩效指标名称", "具体指标"),
    "target": (
        "预期指标值",
        "年度指标值",
        "指标值",
        "目标值",
        "预期值",
        "年度目标值",
        "计划值",
        "指标目标值",
        "年初设定目标值",
        "设定目标值",
    ),
    "actual": ("实际完成值", "全年实际值", "实际完成", "完成值", "实际值", "实际完成情况", "全年完成值"),
    "weight": ("分值", "权重", "标准分值", "权数"),
    "score": ("自评得分", "得分", "评分", "自评分", "实际得分", "自评分值"),
    "deviation": ("偏差原因分析及改进措施", "偏差原因分析", "偏差原因", "原因分析", "未完成原因", "备注", "改进措施"),
    "op": ("指标性质", "指标方向", "运算符", "符号"),
    "measure": ("度量单位", "计量单位", "单位"),
    "method": (
        "得分计算方法",
        "评分标准",
        "计分方法",
        "评分方法",
        "评分办法",
        "计算方法",
        "评分规则",
        "指标解释",
        "指标说明",
        "评价标准",
        "考核标准",
        "计分标准",
        "评分说明",
        "得分系数",
        "完成系数",
        "得分率",
        "考核内容",
        "是否核心指标",
    ),
}
#: What a row below the indicator table starts with (no 总分 row ends some tables): the table ends there.
TABLE_END_WORDS = (
    "说明",
    "其他需要说明事项",
    "其他说明",
    "评价结论",
    "自评结论",
    "存在问题",
    "改进措施",
    "填报说明",
    "注:",
    "项目负责人",
    "财务负责人",
    "审核人",
    "填表日期",
    "填报日期",
)

#: 指标性质 values that are no operator: the target is its 指标值 alone.
QUALITATIVE_OPS = frozenset({"定性", "定量", "文字", "描述"})

#: 一级 names as written (a stem, 指标 after it or not) → perfxl's spelling.
LEVEL1_NAMES = {
    "产出": OUTPUT,
    "效益": BENEFIT,
    "效果": BENEFIT,
    "服务对象满意度": SATISFACTION,
    "满意度": SATISFACTION,
    "预算执行率": EXECUTION,
    "成本": COST,
    "项目成本": COST,
}
#: Stems that are always an 一级 heading (the others are also 二级 names).
ALWAYS_LEVEL1 = frozenset({"产出", "效益", "效果"})
#: The 二级指标 of the standard forms, each to the 一级 it belongs to: the 一级 a form leaves to be
#: implied (an 一级 cell holding only its weight, "(50分)") is the one its first 二级 names.
LEVEL2_OF = {
    "数量指标": OUTPUT,
    "质量指标": OUTPUT,
    "时效指标": OUTPUT,
    "成本指标": OUTPUT,
    "经济效益指标": BENEFIT,
    "社会效益指标": BENEFIT,
    "生态效益指标": BENEFIT,
    "可持续影响指标": BENEFIT,
    "服务对象满意度指标": SATISFACTION,
    "满意度指标": SATISFACTION,
    "预算执行率": EXECUTION,
    "经济成本指标": COST,
    "社会成本指标": COST,
    "生态环境成本指标": COST,
}
