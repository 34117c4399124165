"""Tests of perfxl.checker: every finding code, the seed's known problems, and rule files."""

from __future__ import annotations

from functools import cache

import pytest

from perfxl.checker import ERROR, WARNING, check_file, check_files, check_form
from perfxl.checks import CODES, codes_table
from perfxl.engine import scored
from perfxl.load import Grid
from perfxl.model import Form
from perfxl.read import parse_grid
from perfxl.rules import DEFAULT_RULES, RuleProfile, RulesError, load_rules
from scripts.make_examples import form_rows
from tests.support.seed import DUMP, ROOT, seed_texts

CLEAN = 2  # 翻译费: a seed form without findings


def form_with(edits: dict[tuple[int, int], str] | None = None, n: int = CLEAN) -> Form:
    """Seed form ``n`` with cells changed: {(line, column): text}, line 1-based as in ``line N``."""
    rows = [list(r) for r in form_rows(seed_texts()[n - 1])]
    for (line, col), text in (edits or {}).items():
        row = rows[line - 1]
        row.extend([""] * (col + 1 - len(row)))
        row[col] = text
    forms = parse_grid(Grid(rows=rows, file="form.txt"))
    assert len(forms) == 1
    return forms[0]


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def find(findings, code: str):
    hits = [f for f in findings if f.code == code]
    assert hits, f"{code} not in {codes(findings)}"
    return hits


@cache
def seed_reports():
    return {r.form.project: r for r in check_file(DUMP).forms}


# ---------------------------------------------------------------------------------------------
# the docstring lists the codes; every one but those of workbooks is triggered below

DOC_CODES = [(c.code, c.level) for c in CODES.values()]

# (code, level, edits to the clean form, location)
CASES = [
    ("missing-field", ERROR, {(9, 2): ""}, "line 9"),  # 项目名称
    ("missing-field", ERROR, {(5, 0): "填报单位："}, "line 5"),
    ("missing-field", ERROR, {(48, 0): "填报人:"}, "line 48"),
    ("missing-budget", ERROR, {(11, 2): "", (12, 2): ""}, "line 11"),
    ("zero-budget", ERROR, {(11, 2): "0", (12, 2): "0"}, "line 11"),
    ("negative-amount", ERROR, {(11, 6): "-3.94", (12, 6): "-3.94"}, "line 11"),
    ("not-a-number", ERROR, {(11, 2): "约4"}, "line 11"),
    ("cell-error", ERROR, {(11, 6): "#DIV/0!"}, "line 11"),
    ("spent-above-budget", ERROR, {(11, 6): "5", (12, 6): "5", (11, 4): "5", (12, 4): "5"}, "line 11"),
    ("spent-above-received", ERROR, {(11, 4): "3", (12, 4): "3"}, "line 11"),
    ("received-above-budget", WARNING, {(11, 4): "5", (12, 4): "5"}, "line 11"),
    ("parts-not-total", ERROR, {(12, 2): "3"}, "line 11"),
    ("progress-mismatch", ERROR, {(11, 7): "90%"}, "line 11"),  # stated 预算执行进度
    ("progress-mismatch", ERROR, {(29, 6): "90%"}, "line 29"),  # 预算执行率 row's 实际完成值
    ("level1-weights-not-100", ERROR, {(17, 1): "产出指标(50)"}, ""),
    ("level1-over-weight", ERROR, {(17, 7): "45", (45, 6): "105"}, "line 17"),
    ("score-above-weight", ERROR, {(17, 7): "45", (45, 6): "105"}, "line 17"),
    ("score-differs-from-rule", ERROR, {(17, 6): "2"}, "line 17"),
    ("total-not-sum", ERROR, {(45, 6): "90"}, "line 45"),
    ("missing-total", WARNING, {(45, 6): ""}, ""),
    ("actual-missing", ERROR, {(17, 6): ""}, "line 17"),
    ("score-missing", ERROR, {(17, 7): "", (45, 6): "60"}, "line 17"),
    ("indicator-unscorable", WARNING, {(33, 6): "准确", (33, 7): "一般般"}, "line 33"),
    ("target-too-low", WARNING, {(17, 6): "20"}, "line 17"),
    ("unexplained-shortfall", WARNING, {(17, 6): "2", (46, 1): ""}, "line 46"),
]


def test_every_documented_code_is_tested():
    documented = {code for code, _ in DOC_CODES}
    assert len(documented) == 27
    # formula-no-value and sheet-clipped come from workbooks only: tests/adversarial triggers them;
    # cell-value-mismatch and addin-missing, perfxl's own workbooks: tests/write/test_template.py
    assert documented - {c for c, *_ in CASES} - {"no-indicators"} == {
        "cell-value-mismatch",
        "addin-missing",
        "formula-no-value",
        "sheet-clipped",
    }


def test_documented_levels_match():
    documented = dict(DOC_CODES)
    for code, level, *_ in CASES:
        if code not in ("score-above-weight", "score-differs-from-rule"):  # warning when inferred
            assert documented[code] == level, code


def test_clean_form_has_no_findings():
    assert check_form(form_with()) == []


@pytest.mark.parametrize("code, level, edits, location", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_finding(code, level, edits, location):
    findings = check_form(form_with(edits))
    hit = find(findings, code)
    assert any(f.level == level and f.location == location for f in hit), [(f.level, f.location) for f in hit]
    assert all(f.file == "form.txt" for f in hit)
    assert all(f.message for f in hit)


def test_no_indicators():
    form = form_with().model_copy(update={"indicators": [], "level1_weights": {}})
    hit = find(check_form(form), "no-indicators")
    assert (hit[0].level, hit[0].location) == (ERROR, "")


def test_missing_field_names_the_field():
    messages = [f.message for f in check_form(Form())]
    assert {"未填写项目名称", "未填写填报单位", "未填写填报人"} <= set(messages)


def test_inferred_weight_makes_score_findings_warnings():
    # two 产出 indicators share the 40 points: each weight is a guess (20)
    form = form_with({(18, 3): "指标 2: 专题翻译篇数", (18, 5): "4", (18, 6): "2", (18, 7): "15", (17, 7): "30"})
    findings = check_form(form)
    above = find(findings, "score-above-weight")
    differs = find(findings, "score-differs-from-rule")
    assert [(f.level, f.location) for f in above] == [(WARNING, "line 17")]
    assert [(f.level, f.location) for f in differs] == [(WARNING, "line 18")]
    assert "推定" in differs[0].message


def test_shortfall_explained_is_fine():
    findings = check_form(form_with({(17, 6): "2"}))
    assert "unexplained-shortfall" not in codes(findings)


def test_tolerance_from_rules():
    form = form_with({(17, 6): "3.9"})  # rule 39, self 40
    assert "score-differs-from-rule" in codes(check_form(form))
    assert "score-differs-from-rule" not in codes(check_form(form, RuleProfile(tolerance=1.0)))


# ---------------------------------------------------------------------------------------------
# the seed's known problems


def test_party_building_45_for_14_of_15():
    hit = find(seed_reports()["党建经费"].findings, "score-differs-from-rule")
    assert [(f.level, f.location) for f in hit] == [(WARNING, "line 17")]
    assert "45" in hit[0].message and "42" in hit[0].message


def test_review_fees_missing_unit_and_progress():
    findings = seed_reports()["项目考察评审经费"].findings
    unit = [f for f in find(findings, "missing-field") if "填报单位" in f.message]
    assert [(f.level, f.location) for f in unit] == [(ERROR, "line 470")]
    progress = find(findings, "progress-mismatch")
    assert [(f.level, f.location) for f in progress] == [(ERROR, "line 494")]
    assert "82%" in progress[0].message and "81.25%" in progress[0].message


@pytest.mark.parametrize("project", ["党建经费", "项目考察评审经费", "招商公用经费"])
def test_instruction_text_with_shortfall(project):
    report = seed_reports()[project]
    assert "主要填写" in report.form.problems
    hit = find(report.findings, "unexplained-shortfall")
    assert hit[0].level == WARNING and hit[0].location == report.form.location("problems") != ""
    assert "填写说明" in hit[0].message


def test_daily_reception_execution_rounding():
    hit = find(seed_reports()["日常接待费"].findings, "score-differs-from-rule")
    assert [(f.level, f.location) for f in hit] == [(ERROR, "line 237")]
    assert "8.68" in hit[0].message


@pytest.mark.parametrize(
    "project", ["翻译费", "宣传设计制造及制作费", "2019年第三批省外贸发展专项资金（贸易救济法律援助和稳外贸项目）"]
)
def test_seed_forms_without_findings(project):
    assert seed_reports()[project].findings == []


def test_seed_forms_have_no_errors_except_known():
    with_errors = {p for p, r in seed_reports().items() if any(f.level == ERROR for f in r.findings)}
    assert with_errors == {"日常接待费", "项目考察评审经费"}


def test_report_exit_codes_and_unreadable(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing here\n", encoding="utf-8")
    report = check_files([DUMP, bad])
    assert report.exit_code() == 2
    assert report.unreadable[0].file == str(bad)
    assert check_files([DUMP]).exit_code() == 1
    data = report.to_dict()
    assert data["stats"]["forms"] == 13 and data["stats"]["unreadable"] == 1
    assert "共 2 个文件，13 张表" in report.to_text()


# ---------------------------------------------------------------------------------------------
# rule files


def test_load_rules_none_is_default():
    assert load_rules(None) is DEFAULT_RULES


def test_load_rules_override(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text(
        'name = "某区 2021"\ndecimals = 0\ntolerance = 1.0\n[level1_weights]\n"产出指标" = 40\n"效益指标" = 40\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.name == "某区 2021" and rules.decimals == 0 and rules.tolerance == 1.0
    assert rules.level1_weights == {"产出指标": 40, "效益指标": 40, "满意度指标": 10, "预算执行率指标": 10}
    # 日常接待费: 86.8% rounds to 9 whole points; 8 is within the tolerance of 1
    report = check_file(DUMP, rules)
    daily = next(r for r in report.forms if r.form.project == "日常接待费")
    assert "score-differs-from-rule" not in codes(daily.findings)
    assert daily.form.computed.budget_score == 9.0 and daily.form.computed.rules == "某区 2021"


def test_load_rules_replace_weights(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('replace_level1_weights = true\n[level1_weights]\n"产出指标" = 100\n', encoding="utf-8")
    assert load_rules(path).level1_weights == {"产出指标": 100}


@pytest.mark.parametrize(
    "content, words",
    [
        ("decimals = 9\n", "decimals"),
        ("no_such_setting = 1\n", "no_such_setting"),
        ('tier_point = "top"\n', "tier_point"),
        ("decimals = [\n", "TOML"),
        (b'name = "\xff\xfe"\n', "TOML"),
    ],
)
def test_load_rules_bad_file(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=words):
        load_rules(path)


def test_load_rules_missing_file(tmp_path):
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(tmp_path / "nope.toml")
    assert issubclass(RulesError, ValueError)


def test_scored_form_is_not_rescored():
    form = scored(form_with({(17, 6): "2"}), RuleProfile(decimals=0))
    # check_form uses the computed results it is given
    assert form.computed.indicators[0].rule_score == 20.0
    assert "score-differs-from-rule" in codes(check_form(form))


def test_readme_lists_every_code_as_the_registry_does():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- codes: made from perfxl.checks.CODES; a test fails when they differ -->\n", 1)[1]
    assert block.split("\n<!-- /codes -->", 1)[0] == codes_table()
