#!/usr/bin/env python3
"""Speed and memory of ``perfxl consolidate`` on many forms, against a plain openpyxl loop.

Run from the repository root::

    python3 benchmarks/bench_consolidate.py                  # 10,000 files, breakdown on 2,000
    python3 benchmarks/bench_consolidate.py --files 2000 --profile-files 500
    python3 benchmarks/bench_consolidate.py --distinct      # no two copies the same form

1. Setup (not timed): --files copies of examples/forms/*.xlsx, round robin, under distinct names
   in a temporary folder; perfxl's modules byte-compiled, as ``pip install`` does and as any first
   run leaves them (this machine sets PYTHONDONTWRITEBYTECODE, which would otherwise make every run
   compile perfxl again: 0.06 s of its start; openpyxl, installed by pip, is compiled already).
2. perfxl: ``perfxl consolidate DIR -o OUT.xlsx`` run as a subprocess (``sys.executable -c "from
   perfxl.cli import main; main()" ...``), wall time end to end (interpreter start, imports, the
   process pool with its default ``os.cpu_count()`` workers, writing and the atomic move).
3. openpyxl loop, also a subprocess: per file ``load_workbook`` (default mode, as most scripts
   do), every row of the active sheet with ``iter_rows(values_only=True)``, 项目名称 / 预算数 /
   执行数 picked naively as the first non-empty cell right of a cell whose text is that label;
   one summary row per file appended to a normal ``openpyxl.Workbook``, then ``save``.
4. Breakdown: :func:`perfxl.consolidate.consolidate` in this process with an
   :class:`~perfxl.consolidate.InlineExecutor` on --profile-files files, the phases timed by
   wrapping the functions the pipeline calls: calamine (``load_grids``: unzip, calamine, the
   OOXML percent/merge extras), parsing (``parse_grid``), scoring (``score_form``), checking
   (``check_form``), writing (the XlsxWriter ``_Writer``: put/close etc.) and the remainder (the
   per-file dicts, duplicates, sums).

Which writer: ``benchmarks/bench_writers.py`` writes the same rows with each candidate.

Peak memory: ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read after each subprocess is the
largest RSS of any one *single* process among the waited-for descendants (the CLI process or one
pool worker), not the sum over the tree. So the tree total is also sampled from /proc every
50 ms (sum of RSS of the process and all its descendants) — that is the "peak RSS" compared with
the 500 MB target. Each subprocess is measured by a fresh intermediate Python process so the
ru_maxrss of one run does not leak into the other.

Targets: 10,000 files in ≤ 15 s; ≥ 10× faster than the openpyxl loop; peak ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "forms"

TARGET_SECONDS = 15.0
TARGET_SPEEDUP = 10.0
TARGET_MB = 500.0

# ------------------------------------------------------------------------------- openpyxl loop

OPENPYXL_LOOP = r"""
import sys
from pathlib import Path
import openpyxl

LABELS = {"项目名称": 0, "预算数": 1, "执行数": 2}

def norm(v):
    return "".join(str(v).split()).rstrip("：:")

folder, out = Path(sys.argv[1]), sys.argv[2]
summary = openpyxl.Workbook()
ws = summary.active
ws.title = "汇总"
ws.append(["文件", "项目名称", "预算数", "执行数"])
for path in sorted(folder.glob("*.xlsx")):
    wb = openpyxl.load_workbook(path)
    found = [None, None, None]
    for row in wb.active.iter_rows(values_only=True):
        for i, v in enumerate(row):
            if v is None or not isinstance(v, str):
                continue
            k = LABELS.get(norm(v))
            if k is None or found[k] is not None:
                continue
            for w in row[i + 1:]:
                if w is not None and str(w).strip():
                    found[k] = w
                    break
    wb.close()
    ws.append([path.name, *found])
summary.save(out)
"""

# ------------------------------------------------------------------------------ measurement

# Run by a fresh interpreter: starts the command, samples the RSS of its process tree from /proc,
# and prints wall seconds, ru_maxrss of children (KiB on Linux) and the tree peak as JSON.
MEASURE = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_rss_kb(root):
    kids = {}
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                data = fh.read()
            ppid = int(data[data.rindex(b")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    todo = [root]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError):
            pass
        todo.extend(kids.get(p, []))
    return total

cmd = json.loads(sys.argv[1])
t0 = time.perf_counter()
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
peak = [0]
done = threading.Event()
def sample():
    while not done.is_set():
        if os.path.isdir("/proc"):
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
        done.wait(0.05)
th = threading.Thread(target=sample, daemon=True)
th.start()
out, err = proc.communicate()
wall = time.perf_counter() - t0
done.set()
th.join()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rc": proc.returncode, "maxrss_kb": ru.ru_maxrss, "tree_kb": peak[0],
                  "user": ru.ru_utime, "sys": ru.ru_stime,
                  "stdout": out.decode("utf-8", "replace")[-2000:], "stderr": err.decode("utf-8", "replace")[-2000:]}))
"""


def measure(cmd: list[str]) -> dict:
    res = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(cmd)], capture_output=True, text=True, check=True)
    data = json.loads(res.stdout)
    if sys.platform == "darwin":  # ru_maxrss is bytes there, KiB on Linux
        data["maxrss_kb"] //= 1024
    return data


# ------------------------------------------------------------------------------------ setup


def make_files(folder: Path, n: int, distinct: bool = False) -> list[Path]:
    """``n`` copies of the seed forms, round robin. ``distinct``: each copy's 项目名称 gets the copy's
    number and its 预算数 grows by the number × 0.000001 万元 (0.01 元), so that no two copies are the
    same form, by name or by content (otherwise all but 13 are duplicates, and the summary counts 13)."""
    seeds = sorted(SEEDS.glob("*.xlsx"))
    if not seeds:
        sys.exit(f"no seed forms in {SEEDS}")
    places = _places(seeds) if distinct else {}
    paths = []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        dst = folder / f"{i:05d}-{seed.name}"
        if distinct:
            _numbered_copy(seed, dst, *places[seed], i)
        else:
            shutil.copyfile(seed, dst)
        paths.append(dst)
    return paths


def _places(seeds: list[Path]) -> dict[Path, tuple[str, str]]:
    """Per seed, its 项目名称 and the cell of its 预算数 (``C12``)."""
    from perfxl.read import read_forms

    out = {}
    for seed in seeds:
        form = read_forms(seed)[0]
        out[seed] = (form.project, form.location("budget.total").rpartition("!")[2])
    return out


def _numbered_copy(seed: Path, dst: Path, project: str, budget_cell: str, i: int) -> None:
    """A copy of ``seed`` with ``-i`` after its 项目名称 and 0.000001 × i added to its 预算数."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    budget = re.compile(rf'(<c r="{budget_cell}"[^>]*><v>)([^<]*)(</v>)'.encode())
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml" or info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(f">{escape(project)}<".encode(), f">{escape(project)}-{i}<".encode(), 1)
                data = budget.sub(lambda m: m[1] + repr(float(m[2]) + i * 1e-6).encode() + m[3], data, 1)
            out.writestr(info, data)


# -------------------------------------------------------------------------------- breakdown


def breakdown(paths: list[Path], out: Path) -> tuple[float, dict[str, float]]:
    """Run consolidate inline over paths, timing each phase by wrapping the functions it calls."""
    import perfxl.checker as checker
    import perfxl.consolidate as cons
    import perfxl.read.forms as reader  # where read_forms finds load_grids and parse_grid

    spent: dict[str, float] = {}

    def timed(label, fn):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0

        return wrapper

    saved = []

    def patch(obj, name, label):
        saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, timed(label, getattr(obj, name)))

    patch(reader, "load_grids", "opening the file (load_grids: unzip, calamine, XML scans)")
    patch(reader, "parse_grid", "finding the fields (parse_grid)")
    patch(checker, "score_form", "scoring (score_form)")
    patch(checker, "check_form", "checking (check_form)")
    for meth in ("__init__", "header", "text_row", "put", "put_many", "filter", "grade_chart", "rate_chart", "close"):
        if hasattr(cons._Writer, meth):
            patch(cons._Writer, meth, "writing (XlsxWriter + fast rows)")
    try:
        t0 = time.perf_counter()
        cons.consolidate(paths, out, executor=cons.InlineExecutor(), force=True)
        total = time.perf_counter() - t0
    finally:
        for obj, name, fn in reversed(saved):
            setattr(obj, name, fn)
    spent["other (per-file dicts, duplicates, sums)"] = total - sum(spent.values())
    return total, spent


def cache_effect(paths: list[Path]) -> tuple[float, float]:
    """ms of CPU per file for reading and checking, with the value parser's cache kept across files
    (as in a real run) and cleared before each file (no help from the other copies of a seed)."""
    from perfxl import values
    from perfxl.consolidate import check_file_for_summary

    out = []
    for clear in (False, True):
        t0 = time.process_time()
        for path in paths:
            if clear:
                for cached in (values._parse_text_cached, values._parse_other_cached):
                    cached.cache_clear()
            check_file_for_summary(str(path))
        out.append((time.process_time() - t0) / len(paths) * 1000)
    return out[0], out[1]


# ------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000, help="number of workbooks (default 10000)")
    ap.add_argument("--profile-files", type=int, default=2_000, help="files for the phase breakdown (default 2000)")
    ap.add_argument("--skip-openpyxl", action="store_true", help="do not run the openpyxl loop")
    ap.add_argument(
        "--distinct",
        action="store_true",
        help="number each copy's 项目名称 and first indicator, so that no two are duplicates",
    )
    args = ap.parse_args()

    from importlib.metadata import version

    tmp = Path(tempfile.mkdtemp(prefix="perfxl-bench-"))
    try:
        forms = tmp / "forms"
        forms.mkdir()
        t0 = time.perf_counter()
        paths = make_files(forms, args.files, args.distinct)
        print(f"copied {len(paths)} files in {time.perf_counter() - t0:.1f} s (not timed)", file=sys.stderr)
        import perfxl

        compileall.compile_dir(Path(perfxl.__file__).parent, quiet=1)

        load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
        cli = [sys.executable, "-c", "from perfxl.cli import main; main()"]
        px = measure([*cli, "consolidate", str(forms), "-o", str(tmp / "perfxl.xlsx")])
        print(f"perfxl: {px['wall']:.2f} s rc={px['rc']} {px['stdout'].strip()}", file=sys.stderr)
        if px["rc"] not in (0, 1):
            print(px["stderr"], file=sys.stderr)

        op = None
        if not args.skip_openpyxl:
            op = measure([sys.executable, "-c", OPENPYXL_LOOP, str(forms), str(tmp / "openpyxl.xlsx")])
            print(f"openpyxl loop: {op['wall']:.2f} s rc={op['rc']}", file=sys.stderr)
            if op["rc"] != 0:
                print(op["stderr"], file=sys.stderr)

        load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
        n_prof = min(args.profile_files, len(paths))
        total, spent = breakdown(paths[:n_prof], tmp / "profile.xlsx")
        kept, cleared = cache_effect(paths[:n_prof])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    mb = lambda kb: kb / 1024  # noqa: E731
    px_peak = mb(px["tree_kb"])
    print(f"\n## Consolidation benchmark: {args.files:,} files\n")
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs; perfxl {version('perfxl')}, "
        f"python-calamine {version('python-calamine')}, XlsxWriter {version('XlsxWriter')}, "
        f"openpyxl {version('openpyxl')}. Inputs: copies of the {len(list(SEEDS.glob('*.xlsx')))} "
        f"seed forms in examples/forms."
        + (
            f" Load average (1 min) before / after the two runs: {load_before[0]:.2f} / {load_after[0]:.2f}"
            " (other work on the machine slows both, the pool of two workers the most)."
            if load_before
            else ""
        )
        + "\n"
    )
    cpu = lambda m: m["user"] + m["sys"]  # noqa: E731
    print(
        "| | wall time (s) | CPU time, all processes (s) | files/s | peak RSS, process tree (MB) | "
        "largest single process (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| `perfxl consolidate` (default: {os.cpu_count()} worker processes) | {px['wall']:.2f} | "
        f"{cpu(px):.2f} | {args.files / px['wall']:,.0f} | {px_peak:.0f} | {mb(px['maxrss_kb']):.0f} |"
    )
    if op:
        print(
            f"| openpyxl loop (1 process) | {op['wall']:.2f} | {cpu(op):.2f} | {args.files / op['wall']:,.0f} | "
            f"{mb(op['tree_kb']):.0f} | {mb(op['maxrss_kb']):.0f} |"
        )
    print()
    ok = lambda b: "✅ met" if b else "❌ missed"  # noqa: E731
    scaled = px["wall"] * 10_000 / args.files
    print("| target | measured | |")
    print("|---|---:|---|")
    print(
        f"| 10,000 files ≤ {TARGET_SECONDS:g} s | {px['wall']:.2f} s"
        + ("" if args.files == 10_000 else f" ({scaled:.1f} s scaled to 10,000)")
        + f" | {ok(scaled <= TARGET_SECONDS)} |"
    )
    if op:
        ratio = op["wall"] / px["wall"]
        print(
            f"| ≥ {TARGET_SPEEDUP:g}× faster than the openpyxl loop | {ratio:.1f}× "
            f"(CPU time: {cpu(op) / cpu(px):.1f}×) | {ok(ratio >= TARGET_SPEEDUP)} |"
        )
    print(f"| peak RSS ≤ {TARGET_MB:g} MB | {px_peak:.0f} MB | {ok(px_peak <= TARGET_MB)} |")
    print(
        f"\nWhere the time goes (one process, `InlineExecutor`, {n_prof:,} files, {total:.2f} s, "
        f"{total / n_prof * 1000:.2f} ms per file):\n"
    )
    print("| phase | seconds | share |")
    print("|---|---:|---:|")
    for label, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {secs:.2f} | {secs / total:.0%} |")
    print(
        f"\nThe inputs are copies of 13 forms, so the value parser's cache (values.parse_value, kept "
        f"across files) finds most texts it has seen: reading and checking one file costs {kept:.2f} ms of "
        f"CPU with it, {cleared:.2f} ms with the cache cleared before each file "
        f"({cleared / kept - 1:+.0%}), nearer to what forms that differ would cost."
    )
    print(
        "\nPeak RSS of the tree is the sum of the RSS of the CLI process and its pool workers, sampled "
        "every 50 ms from /proc; the last column is `getrusage(RUSAGE_CHILDREN).ru_maxrss`, the largest "
        "single process among them."
    )


if __name__ == "__main__":
    main()
