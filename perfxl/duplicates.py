"""Forms that came in more than once, and forms never filled in: what a summary counts.

A unit sends its form twice (as .xlsx and as a PDF's text, before and after a correction, one
sheet copied in a workbook); a pre-filled template comes back untouched. Added up as they are,
the department's 预算数 doubles and its 预算执行率 drops. So:

- **the same form** is one with the same 项目名称 and unit (填报单位, else 实施单位, else 主管部门)
  once both are NFKC-normalised, case-folded and stripped of whitespace and invisible characters (``ＡＢＣ项目``,
  ``abc项目`` and ``ABC 项目`` are one), a department's form one with the same unit, or a filled
  form with the same content (amounts, 总分 and indicator table, whatever its names). Forms linked
  by either, directly or through another, are one group;
- **the copy counted** in a group is the most complete (most of 预算数, 到位数, 执行数, 总分 and each
  indicator's 实际完成值 and 自评得分 filled), then the most recently modified file, then the first
  in input order; the others are duplicates, counted nowhere;
- **unfilled** (未填报) is a form with no 执行数, no 总分 and no 自评得分: it keeps its own count and
  stays out of every sum, rate and average.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: What a summary row's 状态 says.
COUNTED, DUPLICATE, UNFILLED = "计入", "重复", "未填报"


#: Left out of a name before it is compared: spaces of every width, and the invisible format
#: characters (zero-width space and joiners, soft hyphen, bidi marks, BOM).
_NOT_COMPARED = re.compile("[\\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")


def name_key(text: str | None) -> str:
    """``text`` as compared for sameness: NFKC (full-width ＡＢＣ and （） as ABC and ()), case-folded,
    without any whitespace or invisible format character."""
    if not text:
        return ""
    return _name_key(text)


@functools.lru_cache(maxsize=4096)
def _name_key(text: str) -> str:
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFKC", text).casefold())


def form_key(kind: str, project: str | None, unit_key: str) -> str | None:
    """The key of a form's name, from its 项目名称 and its unit's :func:`name_key` (None when it
    has too little name to be matched on)."""
    if kind == "department":
        return f"d\x1f{unit_key}" if unit_key else None
    project_key = name_key(project)
    return f"p\x1f{project_key}\x1f{unit_key}" if project_key else None


def is_filled(spent: float | None, stated_total: float | None, scores) -> bool:
    """Whether a form was filled in: it has an 执行数, a 总分 or a self-score."""
    return spent is not None or stated_total is not None or any(s is not None for s in scores)


def content_key(kind: str, year, amounts: tuple, stated_total, indicators: list[list]) -> int:
    """A key of what a filled form says, its names left out (a corrected name is the same form).

    A 64-bit ``hash`` in the process that groups the forms (strings hash alike within one process
    only): two different forms share it less than once in 10⁹ runs of 100,000 forms, while a digest of
    the text costs each form more in the workers (``repr`` and blake2b; docs/performance.md).
    """
    return hash((kind, year, *amounts, stated_total, *map(tuple, indicators)))


class Groups:
    """Forms added one by one with their keys; :meth:`groups` gives those sharing any key."""

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._first: dict = {}  # key → the first form that had it

    def add(self, *keys) -> int:
        """Add a form with its keys (None for a key it lacks); returns its index."""
        i = len(self._parent)
        self._parent.append(i)
        for key in keys:
            if key is None:
                continue
            j = self._first.setdefault(key, i)
            if j != i:
                a, b = self._root(i), self._root(j)
                if a != b:
                    self._parent[max(a, b)] = min(a, b)
        return i

    def _root(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def groups(self) -> list[list[int]]:
        """Every group of two or more forms, each in input order, groups by their first form."""
        members: dict[int, list[int]] = {}
        for i in range(len(self._parent)):
            members.setdefault(self._root(i), []).append(i)
        return [m for m in members.values() if len(m) > 1]


def choose(group: list[int], completeness, mtime) -> tuple[int, str]:
    """The form of ``group`` that counts, and why, in words for the 问题清单.

    Args:
        group: the forms' indices, in input order.
        completeness: index → how many of the form's values are filled.
        mtime: index → its file's modification time.
    """
    ranked = sorted(group, key=lambda i: (-completeness(i), -mtime(i), i))
    best, second = ranked[0], ranked[1]
    if completeness(best) > completeness(second):
        why = "内容最完整"
    elif mtime(best) > mtime(second):
        why = "修改时间最近"
    else:
        why = "内容与修改时间相同，取排在最前的"
    return best, why
