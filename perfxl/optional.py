"""Packages perfxl needs on one path only, imported when that path is taken.

Scoring (engine, values, rules, udfs) needs none of them. In Pyodide (xlwings Lite) pyproject's
platform markers leave them out, so a path that needs one says so in Chinese instead of failing
with Python's English ImportError.
"""

from __future__ import annotations

import importlib
import types

#: Module name -> the distribution to install.
DISTRIBUTIONS = {
    "python_calamine": "python-calamine",
    "xlsxwriter": "xlsxwriter",
    "openpyxl": "openpyxl",
    "xlrd": "xlrd",
    "click": "click",
    "xlwings": "xlwings",
}


class MissingPackage(ImportError):
    """A package the requested path needs is not installed; the message says which, in Chinese."""


def require(module: str, purpose: str) -> types.ModuleType:
    """``module`` imported, or :class:`MissingPackage` naming what ``purpose`` needs.

    Args:
        module: a module name such as "xlsxwriter" or "xlrd.compdoc".
        purpose: what the caller is doing, in Chinese ("写 Excel 工作簿").
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.partition(".")[0]
        if exc.name is not None and exc.name.partition(".")[0] != top:
            raise  # the package is there, one of its own imports failed: Python's message says which
        dist = DISTRIBUTIONS.get(top, top)
        raise MissingPackage(
            f"{purpose}：需要 Python 包 {dist}，当前环境没有安装（pip install {dist}）；"
            f"在 Pyodide / xlwings Lite 中 perfxl 只提供评分函数",
            name=top,
        ) from exc
