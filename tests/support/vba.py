"""xlwings' own VBA wrapper generator ("Import Functions") on Linux, and a parser for its output.

The generator lives in :mod:`perfxl.addin` (``perfxl addin --vba`` uses it too): it imports
``xlwings.udfs`` with the Windows-only pywin32 modules stubbed, executes a fresh copy of the UDF
module with ``xlwings.func`` & co. bound to the real decorators, and calls xlwings'
``generate_vba_wrapper``. This module re-exports it for the tests and adds
:func:`parse_vba_functions`.
"""

from __future__ import annotations

import re

from perfxl.addin import WINDOWS_ONLY_MODULES, generate_vba, xlwings_udfs

__all__ = ["WINDOWS_ONLY_MODULES", "generate_vba", "parse_vba_functions", "xlwings_udfs"]

_DECLARATION = re.compile(
    r"^[ \t]*(?:(?:Public|Private)[ \t]+)?(Function|Sub)[ \t]+(\w+)[ \t]*\((.*)\)",
    re.MULTILINE | re.IGNORECASE,
)
_ARG_MODIFIERS = re.compile(r"^(?:(?:Optional|ParamArray|ByVal|ByRef)\s+)+", re.IGNORECASE)


def parse_vba_functions(vba: str, *, include_subs: bool = False) -> dict[str, list[str]]:
    """``{function name: [argument names]}`` of the VBA ``Function`` declarations.

    ``Optional`` / ``ParamArray`` / ``ByVal`` / ``ByRef``, a trailing ``()``,
    ``As <type>`` and ``= default`` are stripped from the argument names; line
    continuations (`` _`` + newline) are joined first.  ``include_subs`` also
    returns ``Sub`` declarations.
    """
    text = re.sub(r" _\r?\n", " ", vba)
    functions: dict[str, list[str]] = {}
    for match in _DECLARATION.finditer(text):
        kind, name, arg_text = match.groups()
        if kind.lower() == "sub" and not include_subs:
            continue
        args = []
        for raw in arg_text.split(","):
            arg = _ARG_MODIFIERS.sub("", raw.strip())
            arg = re.split(r"\s+As\s+|\s*=", arg, maxsplit=1, flags=re.IGNORECASE)[0]
            arg = arg.strip().removesuffix("()")
            if arg:
                args.append(arg)
        functions[name] = args
    return functions
