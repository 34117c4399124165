#!/usr/bin/env python3
"""Speed of ``perfxl template``: one blank template, and 1,000 pre-filled ones from a project list.

Run from the repository root::

    python3 benchmarks/bench_template.py                 # 50 writes, 1,000 projects
    python3 benchmarks/bench_template.py --reps 20 --projects 200

1. One template, in this process: :func:`perfxl.write.write_template` of the blank template to
   a file, per formula kind (udf, the default, and native), median of --reps writes after a
   warm-up, pinned to one CPU where the platform allows it (os.sched_setaffinity).
2. A project list, end to end: a CSV of --projects rows (填报单位, 项目名称, 预算数, 财政资金, 其他,
   实施单位, 年度, 填报人, 联系电话, 年度预期目标) in a temporary folder, then ``perfxl template --from
   LIST.csv -o DIR`` run as a subprocess (interpreter start, imports, reading the list, one
   workbook per project), wall time, per formula kind. Checked: exit code 0, one .xlsx per project,
   and the first one read back by ``perfxl read`` has its project's 项目名称 and 预算数.

Targets: one template < 100 ms; 1,000 pre-filled workbooks < 60 s (this project's 2-core machine).
The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_ONE_MS = 100.0
TARGET_LIST_S = 60.0
KINDS = ("auto", "udf", "native")
LIST_HEADINGS = (
    "填报单位",
    "项目名称",
    "预算数",
    "财政资金",
    "其他",
    "实施单位",
    "年度",
    "填报人",
    "联系电话",
    "年度预期目标",
)


def _pin_one_core() -> set[int] | None:
    """Pin this process to one CPU; returns the CPUs it had, to give them back."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    return cpus


def one_template_ms(folder: Path, kind: str, reps: int) -> float:
    """Median milliseconds of writing the blank template of one formula kind to a file.

    Args:
        folder: where to write (the same file, overwritten).
        kind: ``udf`` or ``native``.
        reps: timed writes, after three untimed ones (imports, caches).

    Returns:
        The median, in milliseconds.
    """
    from perfxl.write import TemplateOptions, write_template

    options = TemplateOptions(formulas=kind)
    path = folder / f"blank-{kind}.xlsx"
    for _ in range(3):
        write_template(path, options=options, force=True)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        write_template(path, options=options, force=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def write_project_list(path: Path, count: int) -> None:
    """A CSV project list of ``count`` projects, as a finance bureau would send it (UTF-8 with BOM).

    Args:
        path: the CSV to write.
        count: how many projects (rows below the heading row).
    """
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(LIST_HEADINGS)
        for i in range(count):
            fiscal, other = 80 + i * 0.5, 20 + i % 7
            out.writerow(
                [
                    f"第{i % 37 + 1}街道办事处",
                    f"社区公共服务设施维护专项经费（{i + 1:04d}）",
                    f"{fiscal + other:.2f}",
                    f"{fiscal:.2f}",
                    f"{other:.2f}",
                    "区财政局",
                    2024,
                    "张三",
                    "85095022",
                    "保障辖区公共服务设施正常运行，及时维修，提升居民满意度。",
                ]
            )


def project_list_seconds(folder: Path, list_csv: Path, kind: str, count: int) -> float:
    """Wall seconds of ``perfxl template --from LIST -o DIR --formulas KIND`` as a subprocess.

    Args:
        folder: a scratch folder (DIR is made in it).
        list_csv: the project list.
        kind: ``udf`` or ``native``.
        count: projects in the list (checked against the files written).

    Returns:
        The wall time, in seconds.

    Raises:
        SystemExit: the command failed or wrote something else than expected.
    """
    from perfxl.read import read_forms

    out = folder / f"out-{kind}"
    cmd = [
        sys.executable,
        "-c",
        "from perfxl.cli import main; main()",
        "template",
        "--from",
        str(list_csv),
        "-o",
        str(out),
        "--formulas",
        kind,
    ]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    files = sorted(out.glob("*.xlsx"))
    if done.returncode != 0 or len(files) != count:
        raise SystemExit(f"perfxl template failed (exit {done.returncode}, {len(files)} files): {done.stderr[-2000:]}")
    first = read_forms(files[0])[0]
    if first.project != "社区公共服务设施维护专项经费（0001）" or first.budget.total != 100.0:
        raise SystemExit(f"{files[0]} reads back as {first.project!r}, 预算数 {first.budget.total!r}")
    return seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50, help="timed writes of one template (default 50)")
    ap.add_argument("--projects", type=int, default=1000, help="rows of the project list (default 1000)")
    args = ap.parse_args(argv)

    import xlsxwriter

    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(
        f"perfxl template benchmark: Python {platform.python_version()}, nproc {os.cpu_count()}, "
        f"{platform.machine()}, XlsxWriter {xlsxwriter.__version__}{load}\n"
    )
    with tempfile.TemporaryDirectory(prefix="perfxl-bench-template-") as tmp:
        folder = Path(tmp)
        cpus = _pin_one_core()
        one = {kind: one_template_ms(folder, kind, args.reps) for kind in KINDS}
        if cpus:
            os.sched_setaffinity(0, cpus)
        print(f"1. One blank template written to a file (ms, median of {args.reps}, one core)\n")
        print("| formulas | ms |")
        print("|---|---:|")
        for kind, ms in one.items():
            print(f"| {kind} | {ms:.1f} |")
        list_csv = folder / "项目清单.csv"
        write_project_list(list_csv, args.projects)
        many = {kind: project_list_seconds(folder, list_csv, kind, args.projects) for kind in KINDS}
        print(f"\n2. perfxl template --from 项目清单.csv ({args.projects} projects) -o DIR, end to end\n")
        print("| formulas | total s | ms / workbook |")
        print("|---|---:|---:|")
        for kind, seconds in many.items():
            print(f"| {kind} | {seconds:.1f} | {seconds / args.projects * 1000:.1f} |")
    worst_one, worst_many = max(one.values()), max(many.values()) * 1000 / args.projects
    print(
        f"\none template target < {TARGET_ONE_MS:.0f} ms: {'met' if worst_one < TARGET_ONE_MS else 'MISSED'} "
        f"(slowest kind {worst_one:.1f} ms)"
    )
    print(
        f"1,000 pre-filled target < {TARGET_LIST_S:.0f} s: "
        f"{'met' if worst_many < TARGET_LIST_S else 'MISSED'} (slowest kind {worst_many:.1f} s per 1,000)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
