"""Build the example workbooks from the text dump of the 2020 forms.

``examples/forms-2020.txt`` holds 13 real 区级部门预算项目绩效自评表 exported as text: each line is a
row, each tab a cell (merged cells collapse, so columns drift from row to row). This script turns
each form into one workbook, ``examples/forms/NN-<项目名称>.xlsx``, with a single sheet ``自评表``
laid out exactly like the text: line *i* of the form is row *i*, cell *j* of the line is column *j*,
starting at A1, blank lines kept as empty rows.

Cells are typed the way Excel stores what a person typed:

* a plain number (``0.7``, ``145.64``, ``14``) becomes a number;
* a number followed by ``%`` (``98.5%``, ``100%``) becomes the fraction (0.985, 1.0) with a percent
  number format (``0%``, ``0.0%``, ... one ``0`` per decimal written);
* everything else (``≥40个``, ``15册``, ``>=95%``, ``2020年``) stays text, exactly as written.

Run from the project root::

    python3 -m scripts.make_examples

The output is deterministic: the same input gives the same cells, and the workbook bytes are
normalised too (fixed document timestamps and zip entry dates).

Tests can import :func:`split_forms`, :func:`cell_value` and :func:`write_form_xlsx`.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
DUMP = ROOT / "examples" / "forms-2020.txt"
FORMS_DIR = ROOT / "examples" / "forms"

TITLE = "区级部门预算项目绩效自评表"
SHEET_NAME = "自评表"

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_PERCENT = re.compile(r"([+-]?(?:\d+(?:\.(\d*))?|\.(\d+)))%")
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')

# Column widths (in Excel character units): wide enough for short labels, capped for long text.
_MIN_WIDTH = 6
_MAX_WIDTH = 40

# Fixed timestamps so that the same input gives the same bytes.
_FIXED_ZIP_DATE = (2021, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "2021-01-01T00:00:00Z"


def _is_title(line: str) -> bool:
    """True for the title line ``区级部门预算项目绩效自评表`` (whitespace and tabs ignored)."""
    return re.sub(r"\s+", "", line) == TITLE


def _is_attachment_label(line: str) -> bool:
    """True for a lone ``附件 3`` style line, which sits just above a form's title."""
    return re.fullmatch(r"附件\s*\d*", re.sub(r"\s+", " ", line).strip()) is not None


def split_forms(text: str) -> list[str]:
    """Split a text dump into one text per form, at each title line ``区级部门预算项目绩效自评表``.

    The split is lossless: ``"".join(split_forms(text)) == text``. Each part starts with its title
    line, or with a ``附件 N`` line directly above the title (blank lines between allowed), which
    belongs to the form below it. Anything before the first form is kept at the start of the first
    part. A text without any title line gives ``[text]`` (or ``[]`` for an empty text).
    """
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    starts: list[int] = []  # line indexes where a form begins
    for i, line in enumerate(lines):
        if not _is_title(line):
            continue
        start = i
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and _is_attachment_label(lines[j]) and (not starts or j > starts[-1]):
            start = j
        starts.append(start)

    if not starts:
        return [text] if text else []
    starts[0] = 0  # keep any preamble with the first form
    bounds = [offsets[s] for s in starts] + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def cell_value(raw: str) -> tuple[object, str | None]:
    """Return ``(value, number_format)`` for a cell typed as ``raw``, the way Excel would store it.

    ``"14"`` -> ``(14, None)``, ``"0.7"`` -> ``(0.7, None)``, ``"98.5%"`` -> ``(0.985, "0.0%")``,
    ``"100%"`` -> ``(1.0, "0%")``; any other text is returned unchanged with ``None``.
    An empty string gives ``(None, None)``.
    """
    if raw == "":
        return None, None
    s = raw.strip()
    if _NUMBER.fullmatch(s):
        d = Decimal(s)
        if "." not in s and "e" not in s.lower():
            return int(d), None
        return float(d), None
    m = _PERCENT.fullmatch(s)
    if m:
        decimals = len(m.group(2) or m.group(3) or "")
        fmt = "0%" if decimals == 0 else "0." + "0" * decimals + "%"
        return float(Decimal(m.group(1)) / 100), fmt
    return raw, None


def _display_width(s: str) -> int:
    """Width of ``s`` in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def form_rows(form_text: str) -> list[list[str]]:
    """The rows of a form text: one list of cell strings per line, split at tabs."""
    lines = form_text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line does not start a new row
    return [line.rstrip("\r").split("\t") for line in lines]


def build_workbook(form_text: str) -> Workbook:
    """Build the one-sheet workbook ``自评表`` for one form text (see the module docstring)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    widths: dict[int, int] = {}
    for r, cells in enumerate(form_rows(form_text), start=1):
        for c, raw in enumerate(cells, start=1):
            value, fmt = cell_value(raw)
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt
            widths[c] = max(widths.get(c, 0), _display_width(raw.strip()))
    for c in range(1, max(widths, default=0) + 1):
        width = min(max(widths.get(c, 0) + 2, _MIN_WIDTH), _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(c)].width = width
    return wb


def _normalise_xlsx(data: bytes) -> bytes:
    """Make a saved workbook byte-stable: fixed core timestamps and zip entry dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>",
                    content,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def write_form_xlsx(form_text: str, path: str | Path) -> Path:
    """Write one form text as an ``.xlsx`` workbook at ``path``; return the path."""
    path = Path(path)
    buf = io.BytesIO()
    build_workbook(form_text).save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_xlsx(buf.getvalue()))
    return path


def project_name(form_text: str) -> str | None:
    """The 项目名称 of a form text: the first non-empty cell after the ``项目名称`` label."""
    for cells in form_rows(form_text):
        stripped = [c.strip() for c in cells]
        for i, c in enumerate(stripped):
            if re.sub(r"\s+", "", c).rstrip(":：") == "项目名称":
                rest = [x for x in stripped[i + 1 :] if x]
                return rest[0] if rest else None
    return None


def safe_filename(name: str, max_len: int = 40) -> str:
    """``name`` made safe for a file name on Windows, macOS and Linux, at most ``max_len`` chars."""
    s = _UNSAFE_FILENAME.sub("_", name).strip("._ ")
    return s[:max_len].rstrip("._ ") or "form"


def main(argv: list[str] | None = None) -> int:
    """Write ``examples/forms/NN-<项目名称>.xlsx`` for every form in the dump."""
    dump = Path(argv[0]) if argv else DUMP
    text = dump.read_text(encoding="utf-8")
    forms = split_forms(text)
    FORMS_DIR.mkdir(parents=True, exist_ok=True)
    for old in FORMS_DIR.glob("[0-9][0-9]-*.xlsx"):
        old.unlink()
    for n, form_text in enumerate(forms, start=1):
        name = safe_filename(project_name(form_text) or "form")
        path = write_form_xlsx(form_text, FORMS_DIR / f"{n:02d}-{name}.xlsx")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
