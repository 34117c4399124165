"""Rebuild the real forms of other layouts (``tests/data/layouts/real/*.json``) as .xlsx files.

Each spec holds one form as a government page published it: its rows of cells in order (blanks
kept as ""), the merged ranges of its headings, where it came from, and its truth (what a person
reads in it, in the shape of ``Form.as_written()``). This script writes each as the workbook a
clerk would have typed: a cell that holds a plain number is a number, a percentage such as ``98.5%``
is the fraction 0.985 in a percent-formatted cell (as Excel stores what is typed that way), a text
starting with ``'`` stays text without the quote, anything else is text as written.

    python3 -m scripts.make_layouts            # every spec, .xlsx beside it, and PROVENANCE.md
    python3 -m scripts.make_layouts --check    # exit 1 when a spec has no .xlsx or an older one
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "layouts" / "real"

_NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
_PERCENT_RE = re.compile(r"^(-?\d+(?:\.(\d+))?)%$")


def typed(value):
    """A published cell's text as what Excel stores when a clerk types it: (value, number format)."""
    if not isinstance(value, str):
        return value, None
    if value.startswith("'"):
        return value[1:], None
    text = value.strip()
    if _NUMBER_RE.match(text) and not (len(text) > 1 and text[0] == "0" and text[1] != "."):
        number = float(text)
        return (int(number) if number.is_integer() else number), None
    m = _PERCENT_RE.match(text)
    if m:
        decimals = len(m.group(2) or "")
        return round(float(m.group(1)) / 100, decimals + 2), "0%" if not decimals else "0." + "0" * decimals + "%"
    return (value if value != "" else None), None


def build(spec: dict, out: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = spec.get("sheet", "Sheet1")
    for r, row in enumerate(spec["rows"], start=1):
        for c, raw in enumerate(row, start=1):
            value, fmt = typed(raw)
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt
            if isinstance(value, str) and "\n" in value:
                cell.alignment = Alignment(wrap_text=True)
    for rng in spec.get("merges", []):
        ws.merge_cells(rng)
    for extra in spec.get("extra_sheets", []):  # a cover sheet, 填报说明: sheets that are no form
        # "first": before the form, where a 填报说明 usually stands
        other = wb.create_sheet(extra["name"], 0 if extra.get("first") else None)
        for row in extra["rows"]:
            other.append(row)
    wb.active = 0
    wb.save(out)


FAMILIES = {
    1: "central 2020",
    2: "provincial split target",
    3: "two-row headings / 元",
    4: "older central",
    5: "score-method column",
    6: "weight-only 一级",
    7: "部门整体支出",
}


def provenance(specs: list[tuple[str, dict]]) -> str:
    """PROVENANCE.md: where each real form was published, and what was done to it."""
    lines = [
        "# Where the real forms come from",
        "",
        "Each spec rebuilds one filled form that a government (or a site reposting its attachment) "
        "published; the form is test data only. Written by `python3 -m scripts.make_layouts`.",
        "",
        "| spec | family | publisher | published | source | how it was rebuilt |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for stem, spec in specs:
        src = spec["source"]
        note = " ".join(str(src.get("note", "")).split()).replace("|", "/")
        lines.append(
            f"| {stem} | {spec['family']} {FAMILIES.get(spec['family'], '')} | {src.get('publisher') or ''} | "
            f"{src.get('published') or ''} | {src.get('url') or '(the page was stored without its address)'} | {note} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in sorted(REAL.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        out = path.with_suffix(".xlsx")
        if check:
            if not out.exists() or out.stat().st_mtime < path.stat().st_mtime:
                stale.append(out.name)
            continue
        build(spec, out)
    if stale:
        print("过期或缺少：" + "、".join(stale))
        return 1
    if not check:
        specs = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(REAL.glob("*.json"))]
        (REAL.parent / "PROVENANCE.md").write_text(provenance(specs), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
