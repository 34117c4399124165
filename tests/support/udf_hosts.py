"""perfxl's functions as pycel sees them in two hosts: Excel with the add-in, and xlwings Lite.

pycel compiles a formula only when it knows every function it calls, so an unknown function
(#NAME? in Excel) is stood in for by one that returns "#NAME?" (pycel's IFERROR takes that
string as the error). :data:`ADDIN` knows ``perfxl_…`` (Lite's ``_xldudf_PERFXL_…`` unknown),
:data:`LITE` the reverse; both run :mod:`perfxl.udfs` itself.
"""

from __future__ import annotations

import inspect
import sys
import types

from perfxl import udfs
from perfxl.write.formulas import LITE_PREFIX


def _unknown(*_args):
    return "#NAME?"


def _host(name: str, lite: bool) -> types.ModuleType:
    module = types.ModuleType(name)
    for fname, func in inspect.getmembers(udfs, inspect.isfunction):
        if fname.startswith("perfxl_"):
            setattr(module, fname, _unknown if lite else func)
            setattr(module, (LITE_PREFIX + fname).lower(), func if lite else _unknown)
    sys.modules[name] = module  # pycel imports its plugins by name
    return module


ADDIN = _host("tests.support.udf_hosts_addin", lite=False)
LITE = _host("tests.support.udf_hosts_lite", lite=True)
