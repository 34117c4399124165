"""Layout variants of the seed forms, for testing the reader against the ways forms really arrive.

Each variant takes one seed form (its text from ``examples/forms-2020.txt`` and its truth JSON) and
returns the rows of a changed layout plus the truth that the changed form must still read as. The
content never changes, only where and how it is written:

``punct``      full-width ↔ half-width punctuation in labels and headings, spaces inside labels
               (``项 目 名 称``);
``inline``     label and value in one cell (``项目名称：党建经费``, ``预算数：0.7``);
``next_row``   values on the row below their labels (基本情况, amounts, 填报人, 联系电话);
``drift``      random rows of the indicator table shifted left or right;
``headings``   一级 and 二级 headings on rows of their own;
``weights``    an extra 分值 column in the table (the truth then carries ``Indicator.weight``);

and for workbooks (see :func:`write_rows_xlsx` and :func:`write_multi_sheet_xlsx`): a form that
starts at C5 instead of A1 with percentages stored as fractions in percent-formatted cells, and
two forms on two sheets with a hidden third sheet.

API (used by ``tests/read/test_seed_forms.py``)::

    rows, truth = make_variant("punct", form_text, truth, seed=0)
    write_rows_text(rows, tmp_path / "v.txt")

Run from the project root to write every text variant into a folder (default ``tests/data/variants``)::

    python3 -m scripts.make_variants [out_dir]
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
from pathlib import Path

from openpyxl import Workbook

from scripts.make_examples import DUMP, cell_value, form_rows, split_forms

ROOT = Path(__file__).resolve().parent.parent

Rows = list[list[str]]

#: Labels whose spelling the ``punct`` variant changes (longest first, so the longest wins).
LABEL_WORDS = sorted(
    {
        "填报单位",
        "金额单位",
        "项目名称",
        "实施(主管)单位",
        "预算安排情况(调整后)",
        "资金到位情况",
        "资金执行情况",
        "预算执行进度",
        "预算数:",
        "到位数:",
        "执行数:",
        "其中:财政资金",
        "其中: 财政资金",
        "其中：财政资金",
        "其他",
        "年度预期目标",
        "具体完成情况",
        "总体完成率",
        "填报人",
        "联系电话",
        "一级指标",
        "二级指标",
        "三级指标",
        "预期指标值",
        "实际完成值",
        "自评得分",
    },
    key=len,
    reverse=True,
)
_HALF_TO_FULL = str.maketrans({":": "：", "(": "（", ")": "）", ",": "，"})
_FULL_TO_HALF = str.maketrans({"：": ":", "（": "(", "）": ")", "，": ","})
_LEVEL1_HEAD = re.compile(r"^\s*(产出|效益|满意度|预算执行率)指标\s*[(（]\s*\d+\s*分?\s*[)）]\s*$")
_LEVEL2 = re.compile(r"^\s*[\u4e00-\u9fff]{2,12}指标\s*$|^\s*预算执行率\s*$")
_NUMBER = re.compile(r"^\s*[+-]?\d+(?:\.\d+)?\s*%?\s*$")


# ---------------------------------------------------------------------------------------------
# helpers


def seed_forms(dump: Path = DUMP) -> list[str]:
    """The texts of the seed forms."""
    return split_forms(dump.read_text(encoding="utf-8"))


def rows_of(form_text: str) -> Rows:
    return [list(r) for r in form_rows(form_text)]


def _swap(text: str) -> str:
    """Half-width punctuation becomes full-width and full-width half-width."""
    out = []
    for ch in text:
        t = ch.translate(_HALF_TO_FULL)
        if t == ch:
            t = ch.translate(_FULL_TO_HALF)
        out.append(t)
    return "".join(out)


def _spaced(text: str) -> str:
    """``项目名称`` → ``项 目 名 称`` (spaces between characters, none added around punctuation)."""
    return " ".join(ch for ch in text if not ch.isspace())


def _label_at_start(text: str) -> str | None:
    s = text.strip()
    for word in LABEL_WORDS:
        if s.startswith(word):
            return word
    return None


def _table_span(rows: Rows) -> tuple[int, int]:
    """(header row, 总分 row) of the indicator table."""
    header = next(i for i, r in enumerate(rows) if any(c.strip() == "一级指标" for c in r))
    total = next(i for i in range(header + 1, len(rows)) if any(re.sub(r"\s", "", c) == "总分" for c in rows[i]))
    return header, total


def _nonempty(row: list[str]) -> list[int]:
    return [i for i, c in enumerate(row) if c.strip()]


# ---------------------------------------------------------------------------------------------
# variants on rows


def punct(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(a) Punctuation of every label switched full-width ↔ half-width, spaces inside labels."""
    out = []
    for row in rows:
        new = []
        for cell in row:
            word = _label_at_start(cell)
            if word is not None:
                lead = cell[: len(cell) - len(cell.lstrip())]
                rest = cell.lstrip()[len(word) :]
                m = re.match(r"\s*[:：]", rest)  # the colon after the label belongs to it
                colon = ""
                if m:
                    colon, rest = m.group().strip(), rest[m.end() :]
                cell = lead + _spaced(_swap(word + colon)) + rest
            elif _LEVEL1_HEAD.match(cell) or re.fullmatch(r"\s*[(（]\s*\d{4}\s*年度\s*[)）]\s*", cell):
                cell = _swap(cell)
            new.append(cell)
        out.append(new)
    return out, copy.deepcopy(truth)


_INLINE_LABELS = ("项目名称", "实施(主管)单位", "预算数", "到位数", "执行数", "其中:财政资金", "其中: 财政资金")


def inline(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(b) Label and value in one cell: ``项目名称：党建经费``, ``预算数：0.7``; the value's cell left empty."""
    out = []
    for row in rows:
        row = list(row)
        for i in range(len(row) - 1):
            label = row[i].strip().rstrip(":：").strip()
            if label in _INLINE_LABELS and row[i + 1].strip() and _label_at_start(row[i + 1]) is None:
                row[i] = f"{label}：{row[i + 1].strip()}"
                row[i + 1] = ""
        out.append(row)
    return out, copy.deepcopy(truth)


def next_row(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(c) Values on the next row, under their labels.

    The 基本情况 row, the 预算数 / 到位数 / 执行数 row, the 财政资金 row, and the single-cell
    ``填报人：张聪`` / ``联系电话85093119`` lines each become a row of labels and a row of values.
    """
    out: Rows = []
    for row in rows:
        first = _nonempty(row)
        texts = [row[i].strip() for i in first]
        split_row = any(t.startswith("项目名称") for t in texts) or any(
            re.sub(r"\s", "", t).rstrip(":：") in ("预算数", "其中:财政资金") for t in texts
        )
        if split_row:
            labels, values = list(row), [""] * len(row)
            for i in range(1, len(row)):
                prev = row[i - 1].strip()
                if row[i].strip() and _label_at_start(row[i]) is None and _label_at_start(prev) is not None:
                    values[i - 1], labels[i] = row[i], ""
            out += [labels, values]
            continue
        if len(first) == 1:
            text = texts[0]
            m = re.match(r"^(填报人|联系电话)\s*[:：]?\s*([^:：\s].*)$", text)
            if m:
                out += [[m.group(1) + "："], [m.group(2)]]
                continue
        out.append(list(row))
    return out, copy.deepcopy(truth)


def drift(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(d) Random rows of the indicator table shifted by one or two columns, left or right."""
    header, total = _table_span(rows)
    out = [list(r) for r in rows]
    for i in range(header + 1, total):
        if rng.random() < 0.5:
            continue
        row = out[i]
        shift = rng.choice((-2, -1, 1, 2))
        if shift > 0:
            out[i] = [""] * shift + row
        else:
            lead = next((k for k, c in enumerate(row) if c.strip()), len(row))
            k = min(-shift, lead)
            out[i] = row[k:]
    return out, copy.deepcopy(truth)


def headings(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(e) 一级 and 二级 headings on rows of their own, at their columns.

    A 二级 heading stays with its values when the row has no 三级 name (the 预算执行率 row,
    where the 二级 is the name)."""
    header, total = _table_span(rows)
    out: Rows = [list(r) for r in rows[: header + 1]]
    for row in rows[header + 1 : total]:
        row = list(row)
        cells = _nonempty(row)
        if cells and _LEVEL1_HEAD.match(row[cells[0]]):
            out.append([""] * cells[0] + [row[cells[0]]])
            row[cells[0]] = ""
            cells = cells[1:]
        if cells and _LEVEL2.match(row[cells[0]]) and len(cells) > 1:
            # the 三级 name stands right of the 二级; the 预算执行率 row has none
            if cells[1] == cells[0] + 1:
                out.append([""] * cells[0] + [row[cells[0]]])
                row[cells[0]] = ""
        if _nonempty(row):
            out.append(row)
    out += [list(r) for r in rows[total:]]
    return out, copy.deepcopy(truth)


def weights(rows: Rows, truth: dict, rng: random.Random) -> tuple[Rows, dict]:
    """(f) A 分值 column before 自评得分; each indicator's weight is its 一级 weight split equally."""
    expected = copy.deepcopy(truth)
    header, total = _table_span(rows)
    counts: dict[str, int] = {}
    for ind in expected["indicators"]:
        counts[ind["level1"]] = counts.get(ind["level1"], 0) + 1
    for ind in expected["indicators"]:
        ind["weight"] = round(expected["level1_weights"][ind["level1"]] / counts[ind["level1"]], 2)
    out = [list(r) for r in rows]
    head = out[header]
    score_col = next((i for i, c in enumerate(head) if c.strip() == "自评得分"), None)
    if score_col is None:  # the header leaves 自评得分 out: the score follows 实际完成值
        score_col = next(i for i, c in enumerate(head) if c.strip() == "实际完成值") + 1
        head.insert(score_col, "分值")
        head[score_col + 1 : score_col + 2] = ["自评得分"]
    else:
        head.insert(score_col, "分值")
    k = 0
    for i in range(header + 1, total + 1):
        row = out[i]
        cells = _nonempty(row)
        if not cells:
            continue
        last = cells[-1]
        if i == total:
            row.insert(last, "")
        elif len(cells) >= 3 and _NUMBER.match(row[last]):
            w = expected["indicators"][k]["weight"]
            row.insert(last, f"{w:g}")
            k += 1
    if k != len(expected["indicators"]):
        raise ValueError(f"found {k} indicator rows, truth has {len(expected['indicators'])}")
    return out, expected


VARIANTS = {
    "punct": punct,
    "inline": inline,
    "next_row": next_row,
    "drift": drift,
    "headings": headings,
    "weights": weights,
}


def make_variant(kind: str, form_text: str, truth: dict, seed: int = 0) -> tuple[Rows, dict]:
    """The rows of variant ``kind`` of a seed form, and the truth it must read as."""
    return VARIANTS[kind](rows_of(form_text), truth, random.Random(seed))


# ---------------------------------------------------------------------------------------------
# writing


def write_rows_text(rows: Rows, path: str | Path) -> Path:
    """Rows as a tab-separated text dump."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _fill_sheet(ws, rows: Rows, first_row: int = 1, first_col: int = 1) -> None:
    """Cells typed as Excel stores them: numbers as numbers, ``98.5%`` as 0.985 in a percent cell."""
    for r, cells in enumerate(rows):
        for c, raw in enumerate(cells):
            value, fmt = cell_value(raw)
            if value is None:
                continue
            cell = ws.cell(row=first_row + r, column=first_col + c, value=value)
            if fmt:
                cell.number_format = fmt


def write_rows_xlsx(rows: Rows, path: str | Path, first_row: int = 1, first_col: int = 1) -> Path:
    """Rows as a one-sheet workbook starting at (first_row, first_col), e.g. (5, 3) for C5."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    _fill_sheet(ws, rows, first_row, first_col)
    wb.save(path)
    return path


def write_multi_sheet_xlsx(sheets: list[Rows], path: str | Path, hidden: list[Rows] = ()) -> Path:
    """One form per sheet; the ``hidden`` forms go on extra sheets marked hidden."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for n, rows in enumerate(sheets, start=1):
        _fill_sheet(wb.create_sheet(f"表{n}"), rows)
    for n, rows in enumerate(hidden, start=1):
        ws = wb.create_sheet(f"隐藏{n}")
        _fill_sheet(ws, rows)
        ws.sheet_state = "hidden"
    wb.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else ROOT / "tests" / "data" / "variants"
    forms = seed_forms()
    for n, text in enumerate(forms, start=1):
        truth = json.loads((ROOT / "examples" / "truth" / f"{n:02d}.json").read_text(encoding="utf-8"))
        for kind in VARIANTS:
            rows, expected = make_variant(kind, text, truth, seed=n)
            write_rows_text(rows, out / f"{n:02d}-{kind}.txt")
            (out / f"{n:02d}-{kind}.json").write_text(
                json.dumps(expected, ensure_ascii=False, indent=2), encoding="utf-8"
            )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
