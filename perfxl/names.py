"""The defined names of perfxl's own workbooks: what the template writes and the named reader reads.

A name per form field (``perfxl_budget_total``), one per indicator column (``perfxl_ind_target``,
a column range) and one per computed result (``perfxl_result_total``). Both sides take them from
here, so a workbook written by one version reads back by the same names.
"""

from __future__ import annotations

#: The indicator columns a perfxl workbook names, as model fields (name: ``perfxl_ind_<field>``).
INDICATOR_FIELDS = ("level1", "level2", "name", "target", "actual", "weight", "score")
#: Where perfxl's own results sit (field of :class:`~perfxl.model.Computed` → name).
#: Prefixed ``perfxl_result_``: a name equal to a UDF's (perfxl_total) would shadow the function.
RESULT_NAMES = {
    "exec_rate": "perfxl_result_exec_rate",
    "total": "perfxl_result_total",
    "grade": "perfxl_result_grade",
    "indicators.rule_score": "perfxl_result_rule_score",
    "indicators.weight": "perfxl_result_weight",
}


def name_of(path: str) -> str:
    """The defined name of a form field: ``budget.total`` → ``perfxl_budget_total``.

    Args:
        path: a model path (``unit``, ``budget.total``) or ``ind_<field>`` for an indicator column.

    Returns:
        The name, as written into every perfxl workbook.
    """
    return "perfxl_" + path.replace(".", "_")
