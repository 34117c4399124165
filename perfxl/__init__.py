"""perfxl: 区级部门预算项目绩效自评表 — read, check, score, template and consolidate.

The public face, for use from Python::

    import perfxl
    forms = perfxl.read_forms("自评表.xlsx")          # list[Form]
    form = perfxl.scored(forms[0])                    # form.computed: 复核得分, 总分, 等级
    report = perfxl.check_files(["a.xlsx", "b.xlsx"])  # findings, as data
    perfxl.write_template("模板.xlsx", form)          # the official form, scoring in-cell
"""

import importlib

#: Each public name and the module it lives in. Imported on first use (PEP 562), so that
#: ``import perfxl.udfs`` in xlwings Lite loads the scoring modules only, not readers and writers.
_EXPORTS = {
    "Finding": ".checker",
    "Report": ".checker",
    "check_file": ".checker",
    "check_files": ".checker",
    "check_form": ".checker",
    "OutputError": ".files",
    "exec_rate": ".engine",
    "execution_score": ".engine",
    "grade": ".engine",
    "score_form": ".engine",
    "score_indicator": ".engine",
    "scored": ".engine",
    "expand_inputs": ".inputs",
    "Amounts": ".model",
    "Computed": ".model",
    "Form": ".model",
    "Indicator": ".model",
    "IndicatorResult": ".model",
    "parse_grid": ".read",
    "read_forms": ".read",
    "DEFAULT_RULES": ".rules",
    "RuleProfile": ".rules",
    "RulesError": ".rules",
    "load_rules": ".rules",
    "ReadError": ".load",
    "TemplateOptions": ".write",
    "read_project_list": ".write",
    "write_template": ".write",
    "write_templates": ".write",
    "ParsedValue": ".values",
    "parse_value": ".values",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__version__ = "0.1.0"

__all__ = [
    "Amounts",
    "Computed",
    "DEFAULT_RULES",
    "Finding",
    "Form",
    "Indicator",
    "IndicatorResult",
    "OutputError",
    "ParsedValue",
    "ReadError",
    "Report",
    "RuleProfile",
    "RulesError",
    "check_file",
    "check_files",
    "check_form",
    "exec_rate",
    "execution_score",
    "expand_inputs",
    "grade",
    "load_rules",
    "parse_grid",
    "parse_value",
    "read_forms",
    "score_form",
    "score_indicator",
    "scored",
    "TemplateOptions",
    "read_project_list",
    "write_template",
    "write_templates",
]
