#!/usr/bin/env python3
"""Speed of perfxl on the seed forms (examples/forms/*.xlsx), against the Excel libraries beneath it.

Run from the repository root::

    python3 benchmarks/bench_read.py            # 1000 files for the batch check
    python3 benchmarks/bench_read.py --files 200 --reps 50

1. One form: read_forms + scored, per seed file, median of --reps runs (time.perf_counter), next
   to python-calamine merely opening the file and to_python() of every sheet, and to
   openpyxl.load_workbook of it. The table gives, per column, the median over the seed files of
   each file's median, and the slowest file's median.
2. Batch: perfxl.checker.check_files over --files copies of the seed files (distinct names in a
   temporary folder), in this process (``InlineExecutor``: the reading alone), against a loop of
   openpyxl.load_workbook over the same files; then as ``perfxl check`` reads them: in one worker
   process (as below 40 files: each report is sent back), and over every core.

The process is pinned to one CPU where the platform allows it (os.sched_setaffinity).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "forms"


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            cpu = min(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpu})
            return f"pinned to CPU {cpu}"
        except OSError:
            pass
    return "not pinned"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _median_ms(fn, path: Path, reps: int) -> float:
    fn(path)  # warm-up: imports, caches
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000, help="copies for the batch check (default 1000)")
    ap.add_argument("--reps", type=int, default=100, help="repetitions per seed form (default 100)")
    ap.add_argument("--per-file", action="store_true", help="also print each seed file's medians")
    args = ap.parse_args(argv)

    import openpyxl
    import python_calamine as pc

    from perfxl.checker import check_files
    from perfxl.engine import scored
    from perfxl.read import read_forms
    from perfxl.workers import InlineExecutor

    def perfxl_read_score(path):
        return [scored(f) for f in read_forms(path)]

    def calamine_open(path):
        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
        finally:
            wb.close()

    def openpyxl_load(path):
        openpyxl.load_workbook(path).close()

    seeds = sorted(SEEDS.glob("*.xlsx"))
    if not seeds:
        print(f"no seed forms in {SEEDS}", file=sys.stderr)
        return 1
    all_cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pinned = _pin_one_core()
    print(
        f"perfxl benchmark: {len(seeds)} seed forms, Python {platform.python_version()}, "
        f"nproc {os.cpu_count()}, {platform.machine()}, {pinned}"
    )
    print(f"openpyxl {openpyxl.__version__}, python-calamine {_version('python-calamine')}\n")

    # 1. one form -----------------------------------------------------------------------------
    columns = (
        ("perfxl read+score", perfxl_read_score),
        ("calamine open+to_python", calamine_open),
        ("openpyxl load_workbook", openpyxl_load),
    )
    results = {name: [] for name, _ in columns}
    for path in seeds:
        for name, fn in columns:
            results[name].append(_median_ms(fn, path, args.reps))
    if args.per_file:
        print("| file | " + " | ".join(n for n, _ in columns) + " |")
        print("|---|" + "---:|" * len(columns))
        for i, path in enumerate(seeds):
            print(f"| {path.name[:24]} | " + " | ".join(f"{results[n][i]:.2f}" for n, _ in columns) + " |")
        print()
    print(f"1. One form (ms, median of {args.reps} runs per file)\n")
    print("| | median over files | slowest file |")
    print("|---|---:|---:|")
    for name, _ in columns:
        print(f"| {name} | {statistics.median(results[name]):.2f} | {max(results[name]):.2f} |")
    med = statistics.median(results["perfxl read+score"])
    print(f"\nread+score target < 2 ms: {'met' if med < 2 else 'MISSED'} ({med:.2f} ms)\n")

    # 2. batch --------------------------------------------------------------------------------
    with tempfile.TemporaryDirectory(prefix="perfxl-bench-") as tmp:
        paths = []
        for i in range(args.files):
            seed = seeds[i % len(seeds)]
            dest = Path(tmp) / f"{i:05d}-{seed.name}"
            shutil.copyfile(seed, dest)
            paths.append(dest)
        check_files(paths[: len(seeds)], executor=InlineExecutor())  # warm-up (pinned to one core)
        gc.collect()
        t0 = time.perf_counter()
        report = check_files(paths, executor=InlineExecutor())
        t_check = time.perf_counter() - t0
        gc.collect()
        t0 = time.perf_counter()
        check_files(paths, jobs=1)  # one guarded worker, on the same core
        t_worker = time.perf_counter() - t0
        unread = sum(1 for f in report.files if f.error)
        gc.collect()
        t0 = time.perf_counter()
        for p in paths:
            openpyxl.load_workbook(p).close()
        t_openpyxl = time.perf_counter() - t0
        if all_cpus:
            os.sched_setaffinity(0, all_cpus)  # `perfxl check` uses every core for many files
        gc.collect()
        t0 = time.perf_counter()
        report_par = check_files(paths, jobs=None)
        t_par = time.perf_counter() - t0
        assert [f.file for f in report_par.files] == [f.file for f in report.files]
    n = len(paths)
    print(f"2. check over {n} files\n")
    print("| | total s | ms / file |")
    print("|---|---:|---:|")
    print(f"| perfxl check_files (read+score+check) | {t_check:.2f} | {t_check / n * 1000:.2f} |")
    print(f"| perfxl check_files, one worker process | {t_worker:.2f} | {t_worker / n * 1000:.2f} |")
    print(f"| openpyxl load_workbook only | {t_openpyxl:.2f} | {t_openpyxl / n * 1000:.2f} |")
    print(f"| perfxl check_files, all {len(all_cpus or [1])} cores | {t_par:.2f} | {t_par / n * 1000:.2f} |")
    print(
        f"\nperfxl check is {t_openpyxl / t_check:.1f}x faster than openpyxl merely loading on one core, "
        f"{t_openpyxl / t_par:.1f}x with every core" + (f" ({unread} files unreadable!)" if unread else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
