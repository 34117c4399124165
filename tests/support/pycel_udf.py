"""Evaluate workbook formulas -- including calls to perfxl's xlwings UDFs --
in pure Python with pycel (1.0b30), to prove a formula such as
``=ROUND(PERFXL_EXEC_RATE(C5,D5)*100,2)`` gives the right number.

How pycel finds a function (``pycel.excelformula.FunctionNode.emit`` and
``pycel.lib.function_helpers.load_functions``)
------------------------------------------------------------------------
* The Excel name is lower-cased, a leading ``_xlfn.`` is dropped and every
  ``.`` becomes ``_``:  ``PERFXL_EXEC_RATE`` -> ``perfxl_exec_rate``,
  ``_xlfn.STDEV.S`` -> ``stdev_s``.  A few names that clash with Python get a
  trailing underscore (``SUM`` -> ``sum_``, ``IF`` -> ``if_``, ``AND`` ...,
  see ``FunctionNode.func_map``); names that start *and* end with ``_`` are
  upper-cased instead.  :func:`python_name_for` asks pycel itself.
* That name is looked up with ``getattr`` in the ``plugins=`` modules FIRST,
  then in pycel's own libraries -- so the Python function in the plugin
  module must be spelled in lower case (a function named
  ``PERFXL_EXEC_RATE`` is never found), and a plugin can shadow a built-in.
* ``_xludf.NAME`` is not stripped: it becomes ``_xludf_name``.
* A plain plugin function is called with raw values: a single-cell
  reference gives the cell value (``None`` for an empty cell), a range gives a
  tuple of row tuples, errors arrive as strings like ``"#DIV/0!"``.  Returning
  ``None`` becomes ``0`` in the cell.  An exception raised inside the function
  surfaces as ``pycel.excelutil.FormulaEvalError``; an unknown function as
  ``UnknownFunction``.

Cached values
-------------
pycel loads the workbook twice (formulas + ``data_only``) and a formula cell
that has a cached value is NOT recomputed: ``ExcelCompiler.evaluate`` would
happily return a stale number.  :func:`evaluate_cells` therefore builds the
dependency graph of the requested cells, calls ``ExcelCompiler.recalculate()``
(which clears every formula value in that graph) and evaluates again.

Gaps seen in pycel 1.0b30 (raise ``UnknownFunction``): TEXTJOIN, SWITCH,
DATEDIF, XLOOKUP.  ``LET`` and any defined-name lookup fail with
``AttributeError: 'DefinedNameDict' object has no attribute 'definedName'``
(pycel 1.0b30 uses the pre-3.1 openpyxl API).  IFS, CONCAT, MAXIFS, SUMIFS,
COUNTIFS, ROUND/ROUNDDOWN, TEXT, IFERROR, SUMPRODUCT work (SUMPRODUCT returns a
numpy scalar; :func:`evaluate_cells` converts numpy scalars to Python ones).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from pathlib import Path

from pycel import ExcelCompiler
from pycel.excelformula import ExcelFormula


def python_name_for(excel_function: str) -> str:
    """The Python name pycel looks up for an Excel function name,
    e.g. ``"PERFXL_EXEC_RATE"`` -> ``"perfxl_exec_rate"`` (pycel's own rule)."""
    code = ExcelFormula(f"={excel_function}(1)").python_code
    match = re.match(r"([A-Za-z_]\w*)\(", code)
    if match is None:  # PI, TRUE, FALSE compile to constants
        raise ValueError(f"{excel_function!r} is not called as a function by pycel: {code}")
    return match.group(1)


def _plain(value: object) -> object:
    """numpy scalars (e.g. from SUMPRODUCT) -> the equivalent Python value."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def evaluate_cells(
    path: Path | str,
    cells: Iterable[str],
    plugin_module: str | types.ModuleType | Iterable[str | types.ModuleType] | None = None,
) -> dict[str, object]:
    """Evaluate ``cells`` of the workbook at ``path`` with pycel, recomputing
    every formula they depend on (cached values in the file are ignored).

    ``cells`` are addresses such as ``"表1!B3"`` (quote sheet names with spaces:
    ``"'My Sheet'!B3"``); without a sheet the active sheet is used.
    ``plugin_module`` is an importable module name or module object (or several)
    whose functions serve the workbook's custom functions.
    Returns ``{cell as given: value}``; errors come back as strings like
    ``"#DIV/0!"``.
    """
    cells = list(cells)
    if plugin_module is None:
        plugins: list[str] = []
    elif isinstance(plugin_module, (str, types.ModuleType)):
        plugins = [plugin_module]
    else:
        plugins = list(plugin_module)
    plugins = [p.__name__ if isinstance(p, types.ModuleType) else p for p in plugins]

    compiler = ExcelCompiler(filename=str(path), plugins=plugins)
    compiler.evaluate(cells)  # builds the graph; may return cached values
    compiler.recalculate()  # clears every formula value in the graph, recomputes
    values = compiler.evaluate(cells)
    return {cell: _plain(value) for cell, value in zip(cells, values)}
