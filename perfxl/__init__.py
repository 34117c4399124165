"""perfxl: 区级部门预算项目绩效自评表 — read, check, score, template and consolidate.

The public face, for use from Python::

    import perfxl
    forms = perfxl.read_forms("自评表.xlsx")          # list[Form]
    form = perfxl.scored(forms[0])                    # form.computed: 复核得分, 总分, 等级
    report = perfxl.check_files(["a.xlsx", "b.xlsx"])  # findings, as data
    perfxl.write_template("模板.xlsx", form)          # the official form, scoring in-cell
"""

from .checker import Finding, Report, check_file, check_files, check_form
from .files import OutputError
from .engine import exec_rate, execution_score, grade, score_form, score_indicator, scored
from .inputs import expand_inputs
from .model import Amounts, Computed, Form, Indicator, IndicatorResult
from .read import parse_grid, read_forms
from .rules import DEFAULT_RULES, RuleProfile, RulesError, load_rules
from .load import ReadError
from .write import TemplateOptions, read_project_list, write_template, write_templates
from .values import ParsedValue, parse_value

__version__ = "0.1.0"

__all__ = [
    "Amounts", "Computed", "DEFAULT_RULES", "Finding", "Form", "Indicator", "IndicatorResult",
    "OutputError", "ParsedValue", "ReadError", "Report", "RuleProfile", "RulesError", "check_file", "check_files",
    "check_form", "exec_rate", "execution_score", "expand_inputs", "grade", "load_rules", "parse_grid",
    "parse_value", "read_forms", "score_form", "score_indicator", "scored",
    "TemplateOptions", "read_project_list", "write_template", "write_templates",
]
