"""The official template: the 区级部门预算项目绩效自评表 as a workbook that scores while people type.

One layout serves three uses: the blank template, a template pre-filled from a project list, and a
form written back filled in (``perfxl template --from form.json``). The layout follows the district
form (sections 一 to 五, the same labels, merged cells and borders) and adds what scoring needs:

- a **分值** column per indicator (left empty, the 一级 weight is split equally, as the engine does);
- perfxl's own results in their own grey, locked cells beside what the unit states: 复核执行进度
  beside 预算执行进度, 复核得分 beside 自评得分, a 复核 总分 and 等级;
- a defined name (``perfxl_…``) for every field, so that :mod:`perfxl.read.named` and macros find cells
  by name, whatever rows a user inserts.

The results are formulas of one of two kinds (``formulas``):

- ``udf``: calls of the xlwings functions of :mod:`perfxl.udfs` (``perfxl_score`` …), which run the
  scoring engine itself;
- ``native``: built-in functions only (Excel 2010, WPS, LibreOffice), in hidden helper columns
  right of the print area. They cover what people write most: numbers, percentages, ≥ ≤ >= <= 》=
  and 不少于 / 不超过 / 以上 / 以内 with units, and qualitative results by the profile's words
  (the 实际完成值 cells offer 达成 / 部分达成 / 未达成 in a dropdown).

Every formula cell is written with the engine's result as its cached value, so a viewer that does
not recalculate still shows the right numbers, and ``perfxl check`` can tell when a cached result
no longer agrees with the engine (``cell-value-mismatch``).

Modules, in the order a template is made: ``options`` (what may be asked) → ``layout`` (where each
cell and defined name is) → ``formulas`` (the result formulas of each kind) → ``sheet`` (the
worksheet written) → ``lists`` (one workbook per project of a list).
"""

from .formulas import Formulas, UdfFormulas, formulas_for
from .layout import SHEET, TITLE, Layout, plan_rows
from .lists import (
    ProjectList,
    file_name_for,
    find_list_header,
    read_project_list,
    write_templates,
)
from .options import FORMULA_KINDS, TemplateError, TemplateOptions
from .sheet import blank_form, write_template

__all__ = [
    "FORMULA_KINDS",
    "SHEET",
    "TITLE",
    "Formulas",
    "Layout",
    "ProjectList",
    "TemplateError",
    "TemplateOptions",
    "UdfFormulas",
    "blank_form",
    "file_name_for",
    "find_list_header",
    "formulas_for",
    "plan_rows",
    "read_project_list",
    "write_template",
    "write_templates",
]
