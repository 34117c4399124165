#!/usr/bin/env python3
"""What a Dask cluster costs against the process pool, on one machine.

    python3 benchmarks/bench_dask.py --files 2000 --rounds 3

Copies of examples/forms/*.xlsx (as bench_consolidate.py makes them) are consolidated with
:func:`perfxl.consolidate.consolidate` in this process, the reading done by

- ``pool``: a ``ProcessPoolExecutor`` with one worker per core (the default of ``perfxl consolidate``);
- ``dask``: the executor of a ``distributed.Client`` on a ``LocalCluster`` of one single-threaded
  worker process per core, started once (its start-up is timed apart).

The two alternate, ``--rounds`` times each, so that the shared machine's load falls on both alike;
the table gives each run's wall time and the minimum. Then, once each, the reading alone through
the Dask executor with one task a file against batches of 64 files a task (what consolidate sends),
to show why the batches. A Dask cluster earns its keep where one
machine is not enough; here it shows what its scheduler, its pickling and its TCP cost on top of the
same reading.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import distributed

    from benchmarks.bench_consolidate import make_files
    from perfxl.consolidate import check_file_for_summary, check_files_for_summary, consolidate
    from perfxl.workers import available_cores, fewer_collections

    cores = available_cores()
    tmp = Path(tempfile.mkdtemp(prefix="perfxl-dask-"))
    try:
        forms = tmp / "forms"
        forms.mkdir()
        paths = make_files(forms, args.files)
        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(
            n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
        client.run(fewer_collections)  # as the pool's initializer does
        started = time.perf_counter() - t0
        times: dict[str, list[float]] = {"pool": [], "dask": []}
        for _ in range(args.rounds):
            for kind in ("pool", "dask"):
                t = time.perf_counter()
                if kind == "pool":
                    with ProcessPoolExecutor(cores, initializer=fewer_collections) as pool:
                        summary = consolidate(paths, tmp / "pool.xlsx", executor=pool, force=True)
                else:
                    summary = consolidate(paths, tmp / "dask.xlsx", executor=client.get_executor(), force=True)
                times[kind].append(time.perf_counter() - t)
                assert summary.files == args.files
        names = [str(p) for p in paths]
        t = time.perf_counter()
        assert len(list(client.get_executor().map(check_file_for_summary, names))) == args.files
        per_file = time.perf_counter() - t
        t = time.perf_counter()
        batches = [names[at : at + 64] for at in range(0, len(names), 64)]
        assert sum(map(len, client.get_executor().map(check_files_for_summary, batches))) == args.files
        batched = time.perf_counter() - t
        client.close()
        cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n{args.files:,} files, {cores} cores, load average (1 min) at the end {load:.2f}; "
        f"dask {distributed.__version__}\n"
    )
    print("| executor | runs (s) | best (s) | µs a file |")
    print("|---|---|---:|---:|")
    for kind, label in (
        ("pool", "ProcessPoolExecutor (perfxl's default)"),
        ("dask", "dask.distributed LocalCluster, client.get_executor()"),
    ):
        best = min(times[kind])
        print(
            f"| {label} | {' / '.join(f'{t:.2f}' for t in times[kind])} | {best:.2f} | {best / args.files * 1e6:.0f} |"
        )
    print(
        f"\nReading alone through the Dask executor: one task a file {per_file:.2f} s, 64 files a task {batched:.2f} s."
    )
    print(f"\nStarting the LocalCluster ({cores} worker processes) and connecting: {started:.2f} s (not in the runs).")
    print(
        f"Overhead of Dask over the pool, best against best: "
        f"{min(times['dask']) - min(times['pool']):+.2f} s "
        f"({min(times['dask']) / min(times['pool']) - 1:+.0%})."
    )


if __name__ == "__main__":
    main()
