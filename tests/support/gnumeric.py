"""Recalculate .xlsx workbooks with Gnumeric's ``ssconvert --recalc``: a second spreadsheet engine,
independent of LibreOffice, for proving that the formulas perfxl writes mean the same everywhere.

``ssconvert --recalc in.xlsx out.xlsx`` loads a workbook, recalculates every formula (cached values
in the file are ignored) and saves it; :func:`tests.support.libreoffice.read_values` reads the
result. ssconvert takes one workbook per call, so :func:`recalculate_many` runs a few at once.
Like LibreOffice, Gnumeric writes an error result as Excel's literal (``#NAME?``, ``#VALUE!``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DEFAULT_TIMEOUT = 60.0
"""Seconds one ssconvert call may take."""

MISSING = "Gnumeric (ssconvert) not found; .ci/run installs it ('apt-get install gnumeric')"


class GnumericError(RuntimeError):
    """ssconvert is missing, failed, or wrote no output."""


def _convert(ssconvert: str, src: Path, out: Path, timeout: float) -> None:
    done = subprocess.run(
        [ssconvert, "--recalc", str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0 or not out.is_file():
        raise GnumericError(f"ssconvert --recalc {src} failed (exit {done.returncode}): {done.stderr[-2000:]}")


def recalculate_many(
    paths: Iterable[Path | str], out_dir: Path | str, *, workers: int = 4, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Recalculate each workbook into ``out_dir/<stem>.xlsx``; returns the outputs in input order.

    Raises:
        GnumericError: ssconvert is missing, or a conversion failed.
    """
    ssconvert = shutil.which("ssconvert")
    if ssconvert is None:
        raise GnumericError(MISSING)
    sources = [Path(p).resolve() for p in paths]
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [out_dir / f"{src.stem}.xlsx" for src in sources]
    if len(set(outputs)) != len(outputs) or set(outputs) & set(sources):
        raise ValueError("inputs need distinct stems, outside out_dir")
    for out in outputs:  # so a stale file cannot pass for a fresh result
        out.unlink(missing_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda pair: _convert(ssconvert, *pair, timeout), zip(sources, outputs)))
    return outputs
