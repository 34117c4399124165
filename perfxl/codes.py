"""What each finding code means to a reader: its 问题类型 in Chinese, in one place.

The codes stay English and stable (scripts filter on them); a department's 问题清单 and a unit's
feedback show the Chinese type beside the code. The checker's codes are listed in
:mod:`perfxl.checker`; the summary adds its own (a file that cannot be read, a form sent twice, a
form never filled in). A test checks that every code the checker documents has a type here.
"""

from __future__ import annotations

#: Codes the summary itself gives (not the checker).
UNREADABLE = "unreadable"
DUPLICATE = "duplicate-form"
UNFILLED = "unfilled-form"

#: code → 问题类型.
ISSUE_TYPES: dict[str, str] = {
    "missing-field": "必填项未填写",
    "missing-budget": "未填写预算数",
    "zero-budget": "预算数为零",
    "negative-amount": "金额为负数",
    "no-indicators": "没有绩效指标",
    "not-a-number": "应填数字",
    "cell-error": "单元格错误值",
    "formula-no-value": "公式未计算",
    "sheet-clipped": "表格过大未读完",
    "spent-above-budget": "执行数超预算数",
    "spent-above-received": "执行数超到位数",
    "received-above-budget": "到位数超预算数",
    "parts-not-total": "资金分项与合计不符",
    "progress-mismatch": "预算执行进度计算有误",
    "level1-weights-not-100": "一级指标分值合计不为100",
    "level1-over-weight": "一级指标得分超分值",
    "score-above-weight": "得分超过分值",
    "score-differs-from-rule": "自评得分与规则不符",
    "total-not-sum": "总分与得分合计不符",
    "missing-total": "未填写总分",
    "actual-missing": "未填写实际完成值",
    "score-missing": "未填写自评得分",
    "indicator-unscorable": "指标无法复核",
    "target-too-low": "目标值可能偏低",
    "unexplained-shortfall": "未说明未完成原因",
    "cell-value-mismatch": "单元格结果与规则不符",
    UNREADABLE: "文件无法读取",
    DUPLICATE: "重复报送",
    UNFILLED: "未填报",
}


def issue_type(code: str) -> str:
    """The Chinese type of ``code``; an unknown code (a newer checker's) is shown as itself."""
    return ISSUE_TYPES.get(code, code)
