"""Files: inputs are never written, the summary is written whole or not at all, and never over an input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perfxl.checker import check_files
from perfxl.consolidate import PROJECTS, ConsolidateError, InlineExecutor, consolidate
from tests.adversarial import hostile as h
from tests.adversarial.conftest import assert_no_traceback, cells, run


@pytest.fixture
def inputs(tmp_path) -> list[Path]:
    """A good form, a form with findings, a text dump and a broken file, in a folder with Chinese and spaces."""
    folder = tmp_path / "二〇二〇 年 自评表"
    folder.mkdir()
    return [
        h.write_xlsx(folder / "翻译费 (终稿).xlsx", h.form_rows()),
        h.write_xlsx(folder / "党建 经费.xlsx", h.edited({"project": "党建经费", "spent": 5, "filled_by": None})),
        h.write_xlsx(folder / "公式.xlsx", h.edited({"project": "公式项目", "total": h.Formula("SUM(H11:H14)")})),
        _text_dump(folder / "文本 导出.txt"),
        _broken(folder / "坏 文件.xlsx"),
    ]


def _text_dump(path: Path) -> Path:
    path.write_text(h.text_dump(h.edited({"project": "=文本项目"})), encoding="utf-8")
    return path


def _broken(path: Path) -> Path:
    path.write_bytes(h.random_bytes(300))
    return path


def test_inputs_are_never_written(inputs, tmp_path):
    before = h.file_hashes(inputs)
    stat_before = {p: p.stat().st_mtime_ns for p in inputs}
    folder = inputs[0].parent
    assert run("read", *inputs, "--json").exit_code == 2
    assert run("check", folder).exit_code == 2
    result = run("consolidate", folder, "-o", tmp_path / "汇总.xlsx", "--jobs", "1", "--csv", tmp_path / "csv")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert h.file_hashes(inputs) == before
    assert {p: p.stat().st_mtime_ns for p in inputs} == stat_before
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in inputs)  # nothing added beside them


def test_paths_with_chinese_and_spaces(inputs, tmp_path):
    out = tmp_path / "输出 目录" / "部门 汇总表.xlsx"  # a folder that does not exist yet
    result = run("consolidate", *inputs, "-o", out, "--jobs", "1")
    assert result.exit_code == 2, result.output
    projects = sorted((row[1].value, Path(row[-1].value).name) for row in cells(out, PROJECTS)[3:-1])
    assert projects == [
        ("=文本项目", "文本 导出.txt"),
        ("党建经费", "党建 经费.xlsx"),
        ("公式项目", "公式.xlsx"),
        ("翻译费", "翻译费 (终稿).xlsx"),
    ]
    assert check_files(inputs[:4]).unreadable == []


@pytest.mark.parametrize("same", ["exact", "relative", "symlink"])
def test_output_may_not_be_an_input(inputs, tmp_path, monkeypatch, same):
    target = inputs[0]
    if same == "relative":
        monkeypatch.chdir(target.parent.parent)
        output = Path(target.parent.name) / ".." / target.parent.name / target.name
    elif same == "symlink":
        output = tmp_path / "链接.xlsx"
        output.symlink_to(target)
    else:
        output = target
    before = h.file_hashes(inputs)
    result = run("consolidate", *inputs, "-o", output, "--jobs", "1", "--force")
    assert_no_traceback(result)
    assert result.exit_code == 2 and "输入文件之一" in result.output
    assert h.file_hashes(inputs) == before


class _FailingExecutor(InlineExecutor):
    """Reads the first file, then fails as a worker that died would."""

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        yield fn(next(iter(iterables[0])))
        raise RuntimeError("worker died")


def test_a_failed_run_leaves_the_old_summary_whole(inputs, tmp_path):
    out = tmp_path / "汇总.xlsx"
    consolidate(inputs[:1], out, executor=InlineExecutor())
    old = out.read_bytes()
    with pytest.raises(RuntimeError):
        consolidate(inputs, out, executor=_FailingExecutor(), force=True)
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["汇总.xlsx"]  # no temporary file left


class _SpyExecutor(InlineExecutor):
    """Records whether any file was handed out for reading."""

    used = False

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        type(self).used = True
        return super().map(fn, *iterables)


@pytest.mark.parametrize("where", ["under a file", "read-only system folder"])
def test_unwritable_output_fails_before_any_work(inputs, tmp_path, where):
    output = inputs[0] / "汇总.xlsx" if where == "under a file" else Path("/sys/汇总.xlsx")
    _SpyExecutor.used = False
    with pytest.raises(ConsolidateError, match="无法写入输出文件"):
        consolidate(inputs, output, executor=_SpyExecutor())
    assert _SpyExecutor.used is False
    result = run("consolidate", *inputs, "-o", output)
    assert_no_traceback(result)
    assert result.exit_code == 2 and "无法写入输出文件" in result.output
    csv_folder = output.parent / "csv"
    summary = tmp_path / "汇总.xlsx"
    result = run("consolidate", *inputs, "-o", summary, "--csv", csv_folder)
    assert_no_traceback(result)
    assert result.exit_code == 2 and "无法写入 CSV 文件夹" in result.output
    assert not summary.exists()


def test_an_existing_summary_is_kept_without_force(inputs, tmp_path):
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"an older summary")
    result = run("consolidate", *inputs, "-o", out, "--jobs", "1")
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"an older summary"
    assert os.listdir(tmp_path).count("汇总.xlsx") == 1 and len(os.listdir(tmp_path)) == 2
