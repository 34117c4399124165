"""XML scanning takes time linear in what a file holds: thousands of unclosed tags cost no more than
thousands of closed ones.

Each scan of a workbook's XML once tried every unclosed tag against the rest of its part: a 3 KB
file with 3,000 unclosed ``<Relationship`` tags took 5 s, with 30,000 it would have taken minutes.
Every case is read at two sizes, 10× and 100× a base count: the larger may cost at most 30 times
the smaller (a square law would make it 100 times), and stays well inside the time budget.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from perfxl.checker import check_file
from tests.adversarial import hostile as h

SHEET, STRINGS, RELS, WORKBOOK, STYLES = (
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/workbook.xml",
    "xl/styles.xml",
)

#: The base count of repeated units: the cases are made with 10 and 100 times as many.
BASE = 500
#: What the larger case may cost, however slow the machine: a square law took minutes.
MAX_LARGE_SECONDS = 3.0

#: In the sheet: (unit repeated, what stands around the run).
SHEET_UNITS = {
    "bare <c": (b"<c", (b"", b"")),
    "<c r> unclosed": (b'<c r="A1">', (b"", b"")),
    "<c r without >": (b'<c r="A1" ', (b"", b"")),
    "<row> unclosed": (b'<row r="30">', (b"", b"")),
    "<f without >": (b'<c r="A30"><f ', (b"", b"")),
    "<t> unclosed": (b'<c r="A30" t="inlineStr"><is><t>x', (b"", b"")),
    # a million attributes in one tag: the tag holding each was searched for from each
    "s= in one cell": (b' s="1"', (b'<row r="30"><c r="A30"', b"/></row>")),
    "long row numbers in one tag": (b' r="99999"', (b"<x", b"/>")),
    "wide references in one tag": (b' r="AB1"', (b"<x", b"/>")),
    # a number of 500,000 digits and a letter: every split of the digits was tried
    "digits of a number": (b"1234567890", (b'<row r="30"><c r="A30"><v>', b"x</v></c></row>")),
}

#: In the other parts: (part, unit repeated, what stands around the run).
PART_UNITS = {
    "<si> unclosed": (STRINGS, b"<si>", (b"", b"")),
    "<si><t without >": (STRINGS, b"<si><t ", (b"", b"")),
    "<rPh> unclosed": (STRINGS, b"<rPh>", (b"<si><t>a</t>", b"</si>")),
    "<Relationship without >": (RELS, b"<Relationship ", (b"", b"")),
    "<definedName without >": (WORKBOOK, b"<definedName ", (b"<definedNames>", b"</definedNames>")),
    "<sheet without >": (WORKBOOK, b"<sheet ", (b"", b"")),
    "<numFmt without >": (STYLES, b"<numFmt ", (b"", b"")),
    "<xf without >": (STYLES, b"<xf ", (b"", b"")),
}

#: In an .ods, after the form's rows: the unit repeated.
ODS_UNITS = {
    "ods <table:table-row> unclosed": b"<table:table-row>",
    "ods <table:table-cell> unclosed": b"<table:table-cell>",
    "ods row and cell unclosed": b"<table:table-row><table:table-cell>",
    "ods <table:covered-table-cell> unclosed": b"<table:covered-table-cell>",
    "ods <table:table without >": b"<table:table ",
}


def _maker(name: str):
    """(file suffix, n → the file's bytes) for a case."""
    if name in ODS_UNITS:
        return ".ods", lambda n: h.ods_bytes(h.form_rows(), ODS_UNITS[name] * n)
    if name.startswith("calamine: "):
        unit, around = SHEET_UNITS[name.removeprefix("calamine: ")]
        return ".xlsx", lambda n: h.repeated_xlsx(SHEET, unit, n, around, calamine=True)
    if name in SHEET_UNITS:
        unit, around = SHEET_UNITS[name]
        return ".xlsx", lambda n: h.repeated_xlsx(SHEET, unit, n, around)
    part, unit, around = PART_UNITS[name]
    return ".xlsx", lambda n: h.repeated_xlsx(part, unit, n, around)


CASES = [*SHEET_UNITS, *(f"calamine: {n}" for n in SHEET_UNITS), *PART_UNITS, *ODS_UNITS]


def _seconds(path: Path) -> float:
    """The least of two timed checks of ``path`` (the other core's load only adds), which must
    end in one result: the forms, or the reason it could not be read."""
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        report = check_file(path)
        best = min(best, time.perf_counter() - start)
        assert report.error or report.forms
    return best


@pytest.mark.parametrize("name", CASES)
def test_time_grows_linearly_with_unclosed_tags(tmp_path, name):
    suffix, make = _maker(name)
    timed = {}
    for times in (10, 100):
        path = tmp_path / f"{times}x{suffix}"
        path.write_bytes(make(BASE * times))
        assert path.stat().st_size < 1024 * 1024  # small files: what is measured is the scanning
        timed[times] = _seconds(path)
    assert timed[100] < MAX_LARGE_SECONDS, timed
    # 10× the content costs about 10× the time; a square law would cost 100×. The floor keeps a
    # 10× case that costs almost nothing from making the bound meaningless.
    assert timed[100] < 30 * max(timed[10], 0.002), timed


def test_calamine_never_sees_an_ods_table_that_never_ends(tmp_path):
    """One unclosed ``<table:table`` made python-calamine loop forever: the XML is checked first."""
    path = tmp_path / "不结束的表.ods"
    path.write_bytes(h.ods_bytes(h.form_rows(), b"<table:table "))
    start = time.perf_counter()
    report = check_file(path)
    assert time.perf_counter() - start < 1.0
    assert "content.xml" in report.error and "XML 结构错误" in report.error
