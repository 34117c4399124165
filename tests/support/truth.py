"""Comparing what perfxl reads with a truth a person wrote, field by field."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_PERCENT_RE = re.compile(r"^(.*?)(-?\d+(?:\.\d+)?)%$")


def same(got, want) -> bool:
    """Equal as a person reads them: numbers to 1e-9 relative, rates equal in value (100.00% is 100%)."""
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=0.0)
    if isinstance(want, str) and isinstance(got, str) and want != got:
        a, b = _PERCENT_RE.match(got.strip()), _PERCENT_RE.match(want.strip())
        if a and b and a.group(1) == b.group(1):  # the same operator (or none) before the rate
            try:
                return Decimal(a.group(2)) == Decimal(b.group(2))
            except InvalidOperation:
                return False
    return got == want


def differences(got, want, path: str = ""):
    """Every field where ``got`` differs from ``want``: ``field: got …, want …``."""
    if isinstance(want, dict):
        for key, value in want.items():
            yield from differences(got.get(key) if isinstance(got, dict) else None, value, f"{path}.{key}")
    elif isinstance(want, list):
        got = got if isinstance(got, list) else []
        for i in range(max(len(want), len(got))):
            if i >= len(want):
                yield f"{path}[{i}]: read an extra {got[i]!r}"
            elif i >= len(got):
                yield f"{path}[{i}]: not read, want {want[i]!r}"
            else:
                yield from differences(got[i], want[i], f"{path}[{i}]")
    elif not same(got, want):
        yield f"{path}: got {got!r}, want {want!r}"
