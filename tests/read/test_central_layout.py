"""Forms laid out as other units send them: the central 项目支出绩效自评表 (财政部 附件1 style)."""

import openpyxl
import pytest

from perfxl.checker import check_form
from perfxl.engine import scored
from perfxl.read import read_forms

CENTRAL = [
    ["项目支出绩效自评表"],
    ["（2021年度）"],
    ["项目名称", "社区养老服务补贴"],
    ["主管部门", "民政局", None, "实施单位", "某街道办事处"],
    ["填报单位：", "某街道办事处"],
    ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", 100, 120, 108, 10, "90%", 9],
    [None, "其中：当年财政拨款", 100, 110, 100, None, None, None],
    [None, "其他资金", None, 10, 8, None, None, None],
    ["年度总体目标", "预期目标", None, None, "实际完成情况"],
    [None, "为辖区老人提供助餐服务", None, None, "全年助餐3万人次"],
    [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ],
    [None, "产出指标", "数量指标", "助餐人次", "≥30000人次", "31000人次", 25, 25, None],
    [None, None, "质量指标", "食品安全事故", "≤0起", "0起", 25, 25, None],
    [None, "效益指标", "社会效益指标", "老人生活质量", "明显提升", "有所提升", 30, 22, "部分老人未覆盖"],
    [None, "满意度指标", "服务对象满意度指标", "老人满意度", "≥90%", "93%", 10, 10, None],
    ["总分", None, None, None, None, None, 100, 91],
    ["五、存在问题、原因及下一步整改措施", "部分偏远小区老人未覆盖，明年增设助餐点。"],
    ["填报人：王五", None, "联系电话：12345678"],
]


@pytest.fixture()
def central(tmp_path):
    wb = openpyxl.Workbook()
    for row in CENTRAL:
        wb.active.append(row)
    path = tmp_path / "中央格式.xlsx"
    wb.save(path)
    return scored(read_forms(path)[0])


def test_central_layout_amount_table_is_read_by_columns(central):
    assert central.year == 2021
    assert central.project == "社区养老服务补贴"
    assert central.budget.model_dump() == {"total": 120, "fiscal": 110, "other": 10, "carryover": None}
    assert central.spent.model_dump() == {"total": 108, "fiscal": 100, "other": 8, "carryover": None}
    assert central.initial_budget.model_dump() == {"total": 100, "fiscal": 100, "other": None, "carryover": None}
    assert central.department == "民政局" and central.implementing_unit == "某街道办事处"
    assert central.stated_progress == "90%"
    assert central.goal == "为辖区老人提供助餐服务"
    assert central.achievement == "全年助餐3万人次"


def test_central_layout_indicators_with_weights_and_a_note_column(central):
    names = [(i.level1, i.level2, i.name, i.weight, i.score) for i in central.indicators]
    assert names == [
        ("预算执行率指标", "预算执行率", "预算执行率", 10, 9),  # the 项目资金 table's 分值 and 得分
        ("产出指标", "数量指标", "助餐人次", 25, 25),
        ("产出指标", "质量指标", "食品安全事故", 25, 25),
        ("效益指标", "社会效益指标", "老人生活质量", 30, 22),
        ("满意度指标", "服务对象满意度指标", "老人满意度", 10, 10),
    ]
    assert central.indicators[3].deviation == "部分老人未覆盖"
    assert central.stated_total == 91
    assert central.filled_by == "王五" and central.phone == "12345678"


def test_central_layout_scores_execution_outside_the_table(central):
    # 90 points of 分值 in the table + 10 for 预算执行率 scored in the 项目资金 table
    assert central.computed.exec_rate == pytest.approx(0.9)
    assert central.computed.budget_score == 9
    assert central.computed.total == 93  # 有所提升 is 部分达成: the top of its tier, 24 of 30
    assert [f.code for f in check_form(central) if f.level == "error"] == []
