"""Recalculate .xlsx workbooks with headless LibreOffice, so tests can prove
that the formulas perfxl writes compute the right numbers without Excel.

Mechanism (verified, LibreOffice 7.4 on Debian 12)
--------------------------------------------------
``soffice --headless --convert-to xlsx`` loads the workbook and writes it
again.  By default LibreOffice does NOT recalculate an .xlsx on load: a formula
cell whose file carries a cached value keeps that (possibly stale) value; only
cells *without* a cached value (e.g. everything openpyxl writes) get computed.
To force a hard recalculation of every formula we run soffice with a
throw-away, isolated user profile (``-env:UserInstallation=file:///tmp/...``)
whose ``user/registrymodifications.xcu`` sets

    /org.openoffice.Office.Calc/Formula/Load  OOXMLRecalcMode = 0  (0 = always)
    /org.openoffice.Office.Calc/Formula/Load  ODFRecalcMode   = 0

so LibreOffice recalculates all formulas when it loads the file.  The test
suite proves this with a workbook whose cached values are deliberately wrong
(written with xlsxwriter): after conversion the values are the correct ones.

A fresh profile per call costs only ~0.1 s, and it makes calls independent of
each other, of any LibreOffice the user has open, and of parallel test workers.

Timings measured on the 2-core build machine (small workbooks)
--------------------------------------------------------------
* one workbook, one soffice call:        ~1.0-1.1 s (fresh profile)
* 14 workbooks in ONE soffice call:      ~1.5 s     (``recalculate_many``)
* 14 workbooks, one soffice call each:   ~13 s
So batch files into one ``recalculate_many`` call whenever possible.

Gotchas
-------
* soffice exits 0 even when a file could not be loaded ("Error: source file
  could not be loaded" on stderr); we therefore check every expected output
  file and raise :class:`LibreOfficeError` if one is missing.
* Numbers are written back with 15 significant digits (2/3 comes back as
  0.666666666666667): compare floats with ``pytest.approx``.
* LibreOffice writes its own error codes as Excel error literals in .xlsx
  (``Err:502`` for SQRT(-1) becomes ``#VALUE!``, not Excel's ``#NUM!``;
  INDEX out of range gives ``#VALUE!`` rather than ``#REF!``).  Assert on
  "is an error", not on the exact code, for those cases.
* Functions newer than Excel 2007 must be stored with the ``_xlfn.`` prefix
  (``_xlfn.IFS``, ``_xlfn.TEXTJOIN``, ``_xlfn.CONCAT``, ``_xlfn.SWITCH``,
  ``_xlfn.MAXIFS``); openpyxl writes what you give it, and an un-prefixed
  ``=IFS(...)`` is ``#NAME?`` in LibreOffice (and in real Excel too).
  LibreOffice 7.4 lacks ``XLOOKUP`` and ``LET`` entirely (``#NAME?``).
* xlwings UDFs (``=PERFXL_EXEC_RATE(...)``) are unknown to LibreOffice and
  evaluate to ``#NAME?``; use :mod:`tests.support.pycel_udf` for those.
* A formula returning ``""`` is stored as an empty string value; openpyxl
  reads it as ``None``.  :func:`read_values` turns it back into ``""``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import openpyxl
import pytest

from tests.support.tools import require

DEFAULT_TIMEOUT = 60.0
"""Seconds one soffice call may take before it is killed."""

_FALLBACK_SOFFICE = Path("/usr/lib/libreoffice/program/soffice")

#: Excel's error literals (what LibreOffice writes into .xlsx as well).
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
#: LibreOffice's own error display (``Err:502`` ...), e.g. in .ods or CSV output.
_LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")

# Profile settings: recalculate every formula on load (0 = always,
# 1 = never, 2 = ask) for OOXML (.xlsx) and ODF files.
_REGISTRY_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_XLSX_EXPORT_FILTER = "xlsx:Calc MS Excel 2007 XML"
#: Output format (the file suffix) → LibreOffice export filter.
# "pdf" lets LibreOffice choose the PDF export of the document's kind (Calc's or Writer's)
_EXPORT_FILTERS = {"xlsx": _XLSX_EXPORT_FILTER, "pdf": "pdf", "xls": "xls:MS Excel 97", "doc": "doc:MS Word 97"}


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing, timed out, or did not produce an output file."""


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or ``None`` if it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if _FALLBACK_SOFFICE.is_file() and os.access(_FALLBACK_SOFFICE, os.X_OK):
        return str(_FALLBACK_SOFFICE)
    return None


def _write_profile(profile_dir: Path) -> str:
    """Create an isolated user profile that forces recalculation on load.

    Returns the ``file://`` URI for ``-env:UserInstallation``.
    """
    user = profile_dir / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY_XCU, encoding="utf-8")
    return profile_dir.resolve().as_uri()


def _run_soffice(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    # Own process group, so that on timeout we can kill soffice together with
    # the soffice.bin child it spawns (and nothing else).
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise LibreOfficeError(
            f"LibreOffice did not finish within {timeout:g} s\ncommand: {' '.join(cmd)}\nstdout: {out}\nstderr: {err}"
        ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def recalculate_many(
    paths: Iterable[Path | str],
    out_dir: Path | str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    to: str = "xlsx",
) -> list[Path]:
    """Recalculate every formula of several workbooks in ONE soffice call.

    Each input is loaded by LibreOffice (hard recalculation, see module doc)
    and saved as ``out_dir/<stem>.<to>``: ``to="xlsx"`` (default) or
    ``to="pdf"`` (printed as the print settings say, for looking at the page
    and counting pages, see :func:`pdf_info`), or ``to="xls"`` (Excel 97-2003,
    BIFF8).  Returns the output paths in input
    order.  Inputs must have distinct stems and must not live in ``out_dir``
    (the output would overwrite them).  Raises :class:`LibreOfficeError` when
    soffice is missing, times out, fails, or any output is missing.
    """
    sources = [Path(p).resolve() for p in paths]
    if not sources:
        return []
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(f"workbook not found: {src}")

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    export_filter = _EXPORT_FILTERS[to]  # KeyError names an unknown format
    outputs = [out_dir / f"{src.stem}.{to}" for src in sources]
    if len(set(outputs)) != len(outputs):
        raise ValueError(
            "inputs of one recalculate_many call need distinct file stems: " + ", ".join(str(s) for s in sources)
        )
    clash = [str(s) for s, o in zip(sources, outputs) if s == o]
    if clash:
        raise ValueError(f"output would overwrite the input, use another out_dir: {clash}")

    soffice = find_soffice()
    if soffice is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed (Debian package libreoffice-calc-nogui); .ci/run installs it",
            pytrace=False,
        )

    for out in outputs:  # so a stale file cannot pass for a fresh result
        out.unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="perfxl-lo-profile-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={_write_profile(Path(profile))}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            export_filter,
            "--outdir",
            str(out_dir),
            *(str(s) for s in sources),
        ]
        result = _run_soffice(cmd, timeout)

    missing = [str(o) for o in outputs if not o.is_file()]
    if result.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice conversion failed (exit code {result.returncode}); "
            f"missing outputs: {missing}\ncommand: {' '.join(cmd)}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return outputs


def recalculate(src: Path | str, out_dir: Path | str, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Recalculate all formulas of one workbook; returns ``out_dir/<stem>.xlsx``."""
    return recalculate_many([src], out_dir, timeout=timeout)[0]


def pdf_info(pdf: Path | str) -> dict[str, str]:
    """What ``pdfinfo`` (poppler-utils) says of a PDF: ``{"Pages": "1",
    "Page size": "595.304 x 841.89 pts (A4)", ...}``."""
    pdfinfo = require("pdfinfo", "poppler-utils")
    out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def read_values(xlsx: Path | str) -> dict[str, dict[str, object]]:
    """Cached values of a (recalculated) workbook: sheet -> {"A1": value}.

    Empty cells are left out.  A formula whose result is the empty string
    (``=IF(A1>5,1,"")``) is reported as ``""``.  Error results appear as their
    Excel literal, e.g. ``"#DIV/0!"`` (see :func:`error_cells`).
    """
    data_wb = openpyxl.load_workbook(xlsx, data_only=True)
    formula_wb = openpyxl.load_workbook(xlsx, data_only=False)
    values: dict[str, dict[str, object]] = {}
    for ws in data_wb.worksheets:
        formulas = formula_wb[ws.title]
        sheet: dict[str, object] = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    if formulas[cell.coordinate].data_type != "f":
                        continue
                    value = ""  # formula evaluated to the empty string
                sheet[cell.coordinate] = value
        values[ws.title] = sheet
    return values


def read_results(xlsx: Path | str) -> dict[str, dict[str, object]]:
    """Cached values of a (recalculated) workbook, read in openpyxl's read-only mode: about 4 times
    faster than :func:`read_values`, but a formula whose result is ``""`` is left out like an empty
    cell (look cells up with ``.get(cell, "")``)."""
    wb = openpyxl.load_workbook(xlsx, read_only=True, data_only=True)
    try:
        return {
            ws.title: {cell.coordinate: cell.value for row in ws.iter_rows() for cell in row if cell.value is not None}
            for ws in wb.worksheets
        }
    finally:
        wb.close()


def recalculated_values(
    src: Path | str, tmp: Path | str, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, dict[str, object]]:
    """Recalculate ``src`` with LibreOffice (output goes to ``tmp``) and read it back."""
    return read_values(recalculate(src, tmp, timeout=timeout))


def is_error_value(value: object) -> bool:
    """True for Excel error literals (``#DIV/0!``, ``#NAME?`` ...) and LibreOffice
    ``Err:NNN`` strings.  Note a *text* cell literally containing ``#N/A`` also
    counts; pycel returns errors as the same strings, so this works for both."""
    return isinstance(value, str) and (value in EXCEL_ERRORS or bool(_LIBREOFFICE_ERROR.match(value)))


def error_cells(values: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """Cells holding error values, as ``{"Sheet!A1": "#DIV/0!"}`` (sheet names
    unquoted), from the output of :func:`read_values` / :func:`recalculated_values`."""
    return {
        f"{sheet}!{coord}": value
        for sheet, cells in values.items()
        for coord, value in cells.items()
        if is_error_value(value)
    }
