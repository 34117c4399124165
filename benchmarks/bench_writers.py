#!/usr/bin/env python3
"""Which writer for the summary workbook: the same rows written by each candidate, timed.

Run from the repository root::

    python3 benchmarks/bench_writers.py              # the rows of 10,000 forms
    python3 benchmarks/bench_writers.py --forms 2000

The rows are what ``perfxl consolidate`` writes for copies of the 13 seed forms (项目汇总,
指标明细 and 问题清单; 单位汇总 is a few rows): each seed is read once and its rows are repeated
under distinct file names. Every writer writes the same four sheets, each in one process, one after
the other; text as text, numbers as numbers, with the number formats perfxl uses where the writer
has them. Candidates that are not installed are skipped (pyexcelerate, rustpy-xlsxwriter are not
perfxl dependencies: ``pip install pyexcelerate rustpy-xlsxwriter`` to include them).

- ``xlsxwriter`` — XlsxWriter, ``constant_memory``, ``write_string`` / ``write_number`` per cell;
- ``xlsxwriter+fast rows`` — perfxl's writer (``perfxl.consolidate._Writer``): XlsxWriter for the
  workbook, :class:`perfxl.xlsxrows.FastRowsWorksheet` for the data rows;
- ``openpyxl write-only`` — ``Workbook(write_only=True)``, ``append`` per row;
- ``pyexcelerate`` — ``new_sheet(data=rows)``;
- ``rustpy-xlsxwriter`` — ``FastExcel(...).sheet(name, records)`` (Rust; records as dicts).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "forms"


def summary_rows(n_forms: int) -> dict[str, list[list]]:
    """Header and rows of each sheet, as perfxl consolidate writes them for ``n_forms`` forms."""
    from perfxl.consolidate import HEADERS, INDICATORS, ISSUES, PROJECTS, UNITS, check_file_for_summary

    seeds = [check_file_for_summary(p) for p in sorted(SEEDS.glob("*.xlsx"))]
    sheets: dict[str, list[list]] = {name: [list(HEADERS[name])] for name in (PROJECTS, UNITS, INDICATORS, ISSUES)}
    for i in range(n_forms):
        result = seeds[i % len(seeds)]
        file = f"forms/{i:05d}-{Path(result['file']).name}"
        for f in result["forms"]:
            unit, project = f["unit"] or "", f["project"] or ""
            sheets[INDICATORS].extend([unit, project, *ind, file] for ind in f["indicators"])
            sheets[ISSUES].extend([file, project, loc, code, level, msg] for loc, code, level, msg in f["findings"])
            sheets[PROJECTS].append(
                [
                    unit,
                    project,
                    f["budget"],
                    f["received"],
                    f["spent"],
                    f["exec_rate"],
                    f["stated_total"],
                    f["total"],
                    None,
                    f["grade"] or "",
                    len(f["findings"]),
                    file,
                ]
            )
    sheets[UNITS].extend([[f"单位{i}", 1, 1.0, 1.0, 1.0, 90.0, 90.0, 1, 0, 0, 0] for i in range(5)])
    return sheets


def write_xlsxwriter(sheets, path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    num = wb.add_format({"num_format": "0.00"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v, num)
                else:
                    ws.write_string(r, c, str(v))
    wb.close()


def write_perfxl(sheets, path):
    from perfxl.consolidate import _Writer
    from perfxl.xlsxrows import QuickZipWorkbook

    wb = QuickZipWorkbook(path, {"constant_memory": True})
    w = _Writer(wb, collect=False)
    for name, rows in sheets.items():
        w.header(name)
        w.put_many(name, rows[1:])
    wb.close()


def write_openpyxl(sheets, path):
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def write_pyexcelerate(sheets, path):
    from pyexcelerate import Workbook

    wb = Workbook()
    for name, rows in sheets.items():
        wb.new_sheet(name, data=rows)
    wb.save(path)


def write_rustpy(sheets, path):
    from rustpy_xlsxwriter import FastExcel

    out = FastExcel(path)
    for name, rows in sheets.items():
        header = rows[0]
        out.sheet(name, [dict(zip(header, row)) for row in rows[1:]])
    out.save()


WRITERS = [
    ("xlsxwriter (constant_memory, write_* per cell)", "xlsxwriter", write_xlsxwriter),
    ("xlsxwriter + perfxl fast rows (perfxl's writer)", "xlsxwriter", write_perfxl),
    ("openpyxl write-only", "openpyxl", write_openpyxl),
    ("pyexcelerate", "pyexcelerate", write_pyexcelerate),
    ("rustpy-xlsxwriter", "rustpy_xlsxwriter", write_rustpy),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=10_000, help="forms whose rows are written (default 10000)")
    args = ap.parse_args()
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    sheets = summary_rows(args.forms)
    cells = sum(len(r) for rows in sheets.values() for r in rows)
    print(
        f"\n## Writers: the summary of {args.forms:,} forms ({sum(len(r) for r in sheets.values()):,} rows, "
        f"{cells:,} cells)\n"
    )
    print("| writer | version | seconds | µs per form |")
    print("|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, module, fn in WRITERS:
            if find_spec(module) is None:
                print(f"| {label} | not installed | | |")
                continue
            try:
                ver = version(module.replace("_", "-"))
            except PackageNotFoundError:
                ver = "?"
            path = os.path.join(tmp, f"{module}.xlsx")
            t0 = time.perf_counter()
            fn(sheets, path)
            secs = time.perf_counter() - t0
            print(f"| {label} | {ver} | {secs:.2f} | {secs / args.forms * 1e6:.0f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
