"""Reading forms: files to grids of cells (:mod:`perfxl.load`), grids to :class:`~perfxl.model.Form`.

Every field is found by its label or its column's heading, not by a fixed address; what the
layouts of other districts and years call each field is data in :mod:`perfxl.read.layouts`.
Modules, in the order a form goes through them: ``cells`` (labels marked) → ``labels`` and
``funds`` (sections 一 to 三, 五) → ``table`` (the indicator table) → ``forms`` (the Form);
``named`` reads perfxl's own workbooks by their defined names.
"""

from .forms import parse_grid, read_forms

__all__ = ["parse_grid", "read_forms"]
