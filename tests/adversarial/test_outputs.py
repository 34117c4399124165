"""Outputs: written whole or not at all, only where named, never through a link, never over anything
but a regular file, never over a file without --force; nothing temporary left on any exit path.

A full disk is a real one as far as perfxl can tell: a fresh process whose file size limit makes
every write past it fail (EFBIG), the limit set between the sizes of what must still be written
and what must fail, so that the failure is where the test says. A Ctrl-C is a real SIGINT.
"""

from __future__ import annotations

import os
import signal
import stat
import time
import zipfile
from pathlib import Path

import pytest

from perfxl.consolidate import PROJECTS, SHEETS, UNIT_ISSUES, ConsolidateError, InlineExecutor, consolidate
from tests.adversarial import hostile as h
from tests.adversarial.conftest import MAX_SECONDS, assert_no_traceback, cells, cli_process, finished, run, run_cli

IS_ROOT = os.geteuid() == 0


def _listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes; links and nodes by their kind."""
    out = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            out[str(path.relative_to(folder))] = path.read_bytes()
        elif not stat.S_ISDIR(mode):
            out[str(path.relative_to(folder))] = stat.filemode(mode).encode()
    return out


@pytest.fixture
def place(tmp_path):
    """Folders of one run: ``forms`` (inputs), ``out`` (the summary and ``csv``), ``tmp`` (its TMPDIR)."""
    for name in ("forms", "out", "tmp"):
        (tmp_path / name).mkdir()
    return tmp_path


def _old_outputs(place: Path) -> tuple[Path, Path]:
    """An older summary and older CSVs, which a failed run must leave as they are."""
    summary = place / "out" / "汇总.xlsx"
    summary.write_bytes(b"an older summary")
    csv = place / "out" / "csv"
    csv.mkdir()
    for name in SHEETS:
        (csv / f"{name}.csv").write_bytes(f"older {name}".encode())
    return summary, csv


def _copies(form: Path, n: int) -> list[Path]:
    """``n`` more names of the same form (hard links: n inputs at no cost)."""
    out = [form]
    for i in range(1, n):
        link = form.with_name(f"{form.stem}-{i:04d}{form.suffix}")
        os.link(form, link)
        out.append(link)
    return out


def _sizes(inputs: list[Path], folder: Path) -> dict[str, int]:
    """What consolidating ``inputs`` writes, by size: the workbook, its largest part unzipped (a
    temporary file holds at least that much), the largest CSV."""
    out = consolidate(inputs, folder / "参照.xlsx", executor=InlineExecutor(), csv_dir=folder / "csv").output
    with zipfile.ZipFile(out) as z:
        largest_part = max(i.file_size for i in z.infolist())
    return {
        "workbook": out.stat().st_size,
        "part": largest_part,
        "csv": max(p.stat().st_size for p in (folder / "csv").iterdir()),
    }


#: Where the disk fills up, and what must be written before it does.
DISK_FULL = ["workbook", "csv", "temporary folder"]


@pytest.mark.parametrize("where", DISK_FULL)
def test_a_full_disk_leaves_the_old_outputs_whole_and_nothing_else(place, where):
    forms = place / "forms"
    if where == "csv":  # a name of quotes: the same in the workbook, twice the size in CSV ("" each)
        inputs = [h.write_xlsx(forms / "引号.xlsx", h.edited({"project": "引号"}))]
        rows = h.edited({})
        rows[h.CELL["first_actual"][0]][3] = '"' * 20_000
        h.write_xlsx(inputs[0], rows)
    else:
        inputs = _copies(h.write_xlsx(forms / "表.xlsx", h.form_rows()), 300 if where == "temporary folder" else 1)
    reference = place / "参照"
    reference.mkdir()
    size = _sizes(inputs, reference)
    if where == "workbook":  # every temporary file fits, the zipped workbook does not
        limit = (size["part"] + size["workbook"]) // 2
        assert size["part"] < limit < size["workbook"], size
    elif where == "csv":  # the workbook and its temporary files fit, a CSV does not
        limit = (max(size["part"], size["workbook"]) + size["csv"]) // 2
        assert max(size["part"], size["workbook"]) < limit < size["csv"], size
    else:  # the workbook fits, the temporary file of 指标明细's rows does not
        limit = (size["workbook"] + size["part"]) // 2
        assert size["workbook"] < limit < size["part"], size
    summary, csv = _old_outputs(place)
    before = _listing(place / "out")
    done = run_cli(
        "consolidate", forms, "-o", summary, "--csv", csv, "--jobs", "1", "--force", tmpdir=place / "tmp", fsize=limit
    )
    assert done.code == 2, done
    line = done.one_error_line()
    assert "未能写出" in line and "文件超过允许的大小" in line, line
    assert _listing(place / "out") == before  # the old outputs whole, no temporary file beside them
    assert list((place / "tmp").iterdir()) == []  # XlsxWriter's temporary files gone with their folder


def test_a_full_disk_behind_stdout_is_one_line(place):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    with open("/dev/full", "w") as full:  # every write to it fails with ENOSPC
        proc = cli_process("check", form, "--json", tmpdir=place / "tmp", stdout=full)
        done = finished(proc, place / "tmp")
    assert done.code == 2
    assert done.one_error_line() == "错误：标准输出：磁盘空间不足"


def test_a_closed_stdout_is_no_traceback(place):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    proc = cli_process("check", form, tmpdir=place / "tmp", stdout=None, preexec_fn=lambda: os.close(1))
    done = finished(proc, place / "tmp")
    assert done.code == 0 and done.stderr == ""


#: (signal, --jobs): SIGINT goes to the whole process group, as Ctrl-C in a terminal sends it.
INTERRUPTS = [(signal.SIGINT, 1), (signal.SIGINT, 2), (signal.SIGTERM, 1), (signal.SIGHUP, 2)]


@pytest.mark.parametrize("sig, jobs", INTERRUPTS, ids=[f"{s.name}-jobs{j}" for s, j in INTERRUPTS])
def test_an_interrupted_run_leaves_the_old_summary_and_nothing_else(place, sig, jobs):
    _copies(h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows()), 1500)
    summary, csv = _old_outputs(place)
    before = _listing(place / "out")
    tmp = place / "tmp"
    proc = cli_process(
        "consolidate",
        place / "forms",
        "-o",
        summary,
        "--csv",
        csv,
        "--jobs",
        jobs,
        "--force",
        tmpdir=tmp,
        start_new_session=True,
    )
    deadline = time.monotonic() + MAX_SECONDS
    while not any(tmp.iterdir()):  # XlsxWriter's private folder: the summary is being written
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it was interrupted"
        time.sleep(0.02)
    time.sleep(0.3)
    assert proc.poll() is None, "the run ended before it was interrupted"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    done = finished(proc, tmp, timeout=MAX_SECONDS)  # no hang: the pool stops, what is unread stays unread
    assert done.code == 130, done
    assert done.one_error_line().startswith("已中断")
    assert _listing(place / "out") == before
    assert list(tmp.iterdir()) == []


class _Interrupting(InlineExecutor):
    """Reads two files, then raises what ends the run: Ctrl-C, or a reader's bug."""

    def __init__(self, error: BaseException):
        self.error = error

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        names = iter(iterables[0])
        yield fn(next(names))
        yield fn(next(names))
        raise self.error


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), RuntimeError("worker died"), MemoryError()], ids=["ctrl-c", "error", "memory"]
)
def test_every_failure_path_removes_every_temporary_file(place, monkeypatch, error):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(place / "tmp"))  # where XlsxWriter's files go
    inputs = _copies(h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows()), 3)
    summary, csv = _old_outputs(place)
    before = _listing(place / "out")
    with pytest.raises(type(error)):
        consolidate(inputs, summary, executor=_Interrupting(error), force=True, csv_dir=csv)
    assert _listing(place / "out") == before
    assert list((place / "tmp").iterdir()) == []
    # and a folder made for the outputs goes again
    with pytest.raises(type(error)):
        consolidate(
            inputs,
            place / "out" / "新" / "汇总.xlsx",
            executor=_Interrupting(error),
            csv_dir=place / "out" / "新" / "csv",
        )
    assert _listing(place / "out") == before and not (place / "out" / "新").exists()


# ------------------------------------------------------------------------------------------- CSV


def test_csv_files_are_not_replaced_without_force(place):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    csv = place / "out" / "csv"
    csv.mkdir()
    (csv / "问题清单.csv").write_bytes(b"kept")
    result = run("consolidate", form, "-o", place / "out" / "汇总.xlsx", "--csv", csv)
    assert_no_traceback(result)
    assert result.exit_code == 2 and "问题清单.csv" in result.output and "--force" in result.output
    assert _listing(place / "out") == {"csv/问题清单.csv": b"kept"}  # no summary either: all or none
    result = run("consolidate", form, "-o", place / "out" / "汇总.xlsx", "--csv", csv, "--force")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in csv.iterdir()) == sorted(f"{name}.csv" for name in (*SHEETS, UNIT_ISSUES))
    assert (csv / "问题清单.csv").read_bytes().startswith("\ufeff填报单位".encode())


@pytest.mark.parametrize("to", ["an input form", "another file"])
def test_no_csv_is_written_through_a_link(place, to):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    target = form if to == "an input form" else place / "别处.txt"
    if to == "another file":
        target.write_bytes(b"elsewhere")
    csv = place / "out" / "csv"
    csv.mkdir()
    (csv / "项目汇总.csv").symlink_to(target)
    before = target.read_bytes()
    result = run("consolidate", form, "-o", place / "out" / "汇总.xlsx", "--csv", csv, "--force")
    assert_no_traceback(result)
    assert result.exit_code == 2 and "项目汇总.csv" in result.output, result.output
    assert ("输入文件之一" if to == "an input form" else "符号链接") in result.output
    assert target.read_bytes() == before and (csv / "项目汇总.csv").is_symlink()
    assert not (place / "out" / "汇总.xlsx").exists()


def test_no_summary_is_written_through_a_link(place):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    elsewhere = place / "别处.xlsx"
    elsewhere.write_bytes(b"elsewhere")
    link = place / "out" / "汇总.xlsx"
    link.symlink_to(elsewhere)
    result = run("consolidate", form, "-o", link, "--force")
    assert_no_traceback(result)
    assert result.exit_code == 2 and "符号链接" in result.output
    assert elsewhere.read_bytes() == b"elsewhere" and link.is_symlink()


# ---------------------------------------------------------------------------- not a regular file


def _node(path: Path, kind: str) -> Path:
    """A named pipe, or (as root) a character device like /dev/null: never a real one, which a
    regression would destroy."""
    if kind == "fifo":
        os.mkfifo(path)
    else:
        if not IS_ROOT:
            pytest.skip("making a device node needs root")
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def _same_node(path: Path, kind: str) -> bool:
    mode = path.lstat().st_mode
    return stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISCHR(mode)


#: Every command that writes, with the node as its output: (name, args with {node}, the node's name).
WRITERS = {
    "consolidate -o": (["consolidate", "{form}", "-o", "{node}", "--force"], "汇总.xlsx"),
    "consolidate --csv": (
        ["consolidate", "{form}", "-o", "{out}/汇总.xlsx", "--csv", "{out}", "--force"],
        "项目汇总.csv",
    ),
    "template -o": (["template", "-o", "{node}", "--force"], "模板.xlsx"),
    "template list": (["template", "--from", "{list}", "-o", "{out}", "--force"], "001-投资服务局-翻译费.xlsx"),
    "addin --vba": (["addin", "--path", "{out}/xlwings.conf", "--vba", "{node}", "--force"], "udfs.bas"),
    "addin --path": (["addin", "--path", "{node}", "--interpreter", "C:\\py\\python.exe"], "xlwings.conf"),
}


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_an_output_that_is_no_regular_file_is_refused_even_with_force(place, writer, kind):
    args, name = WRITERS[writer]
    out = place / "out"
    node = _node(out / name, kind)
    project_list = place / "forms" / "清单.csv"
    project_list.write_text("填报单位,项目名称,预算数\n投资服务局,翻译费,4\n", encoding="utf-8")
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    fill = {"{form}": form, "{node}": node, "{out}": out, "{list}": project_list}
    argv = []
    for arg in args:
        for key, value in fill.items():
            arg = arg.replace(key, str(value))
        argv.append(arg)
    # a fresh process with a time limit: a pipe opened by mistake would wait for ever
    done = run_cli(*argv, tmpdir=place / "tmp")
    assert done.code == (1 if writer == "addin --path" else 2), done
    assert "不是普通文件" in done.one_error_line()
    assert _same_node(node, kind)
    assert sorted(p.name for p in out.iterdir()) == [name]  # nothing else written either


# ------------------------------------------------------------------------------------- template


@pytest.fixture
def two_forms(tmp_path) -> Path:
    """perfxl's JSON of two forms (so that ``template --from`` writes a folder)."""
    import json

    form = h.write_xlsx(tmp_path / "表.xlsx", h.form_rows())
    result = run("read", form, "--json")
    one = json.loads(result.stdout)
    path = tmp_path / "两张表.json"
    path.write_text(json.dumps([one, {**one, "project": "第二个项目"}], ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("output", ["an existing file", "a path under a file", "a folder that is a file"])
def test_template_from_to_an_impossible_output_is_one_line(tmp_path, two_forms, output):
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"kept")
    source, target = {
        "an existing file": (tmp_path / "表.xlsx", existing),
        "a path under a file": (two_forms, existing / "子文件夹"),
        "a folder that is a file": (two_forms, existing),
    }[output]
    if output == "a folder that is a file":
        target = tmp_path / "不是文件夹"
        target.write_bytes(b"kept")
    before = _listing(tmp_path)
    result = run("template", "--from", source, "-o", target)
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if line.strip()][0].startswith("错误：")
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("how", ["a form over itself", "a project list in its own folder"])
def test_template_never_writes_over_its_own_from(tmp_path, two_forms, how):
    if how == "a form over itself":
        source = output = tmp_path / "表.json"
        source.write_text(run("read", tmp_path / "表.xlsx", "--json").stdout, encoding="utf-8")
    else:  # the list is named as its first workbook will be
        output = tmp_path / "模板"
        output.mkdir()
        source = output / "001-甲单位-一号项目.xlsx"
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.append(["填报单位", "项目名称", "预算数"])
        wb.active.append(["甲单位", "一号项目", 4])
        wb.save(source)
    before = source.read_bytes()
    result = run("template", "--from", source, "-o", output, "--force")
    assert_no_traceback(result)
    # a JSON form named as its own output is refused before that: the output is not an .xlsx
    assert result.exit_code == 2 and ("输入文件之一" in result.output or "应以 .xlsx 结尾" in result.output)
    assert source.read_bytes() == before


def test_a_project_list_is_written_whole_or_not_at_all(tmp_path):
    listing = tmp_path / "清单.csv"
    listing.write_text("填报单位,项目名称,预算数\n甲单位,一号项目,4\n乙单位,二号项目,5\n", encoding="utf-8")
    folder = tmp_path / "模板"
    folder.mkdir()
    (folder / "002-乙单位-二号项目.xlsx").write_bytes(b"kept")
    result = run("template", "--from", listing, "-o", folder)
    assert_no_traceback(result)
    assert result.exit_code == 2 and "002-乙单位-二号项目.xlsx" in result.output
    assert _listing(folder) == {"002-乙单位-二号项目.xlsx": b"kept"}  # 001 not written either
    result = run("template", "--from", listing, "-o", folder, "--force")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["001-甲单位-一号项目.xlsx", "002-乙单位-二号项目.xlsx"]


def test_template_file_names_hold_no_format_characters_and_fit_the_name_limit(tmp_path):
    names = ["报告\u202excod.exe", "零\u200b宽\u2066隔离\u2069", "长" * 300]
    listing = tmp_path / "清单.csv"
    listing.write_text("填报单位,项目名称,预算数\n" + "".join(f"单位,{n},1\n" for n in names), encoding="utf-8")
    result = run("template", "--from", listing, "-o", tmp_path / "模板")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "模板").iterdir())
    assert written[:2] == ["001-单位-报告xcod.exe.xlsx", "002-单位-零宽隔离.xlsx"]
    assert written[2].startswith("003-单位-长长") and len(written[2].encode()) <= 200
    assert all(name.endswith(".xlsx") for name in written)


# ---------------------------------------------------------------------------------------- addin


def test_addin_interpreter_with_a_line_break_is_refused(tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_bytes(b'"SHOW CONSOLE","True"\r\n')
    for value in ("C:\\py\\python.exe\r\nUDF MODULES,evil", "C:\\py\\python.exe\n", "C:\\py\x1b[2J", "C:\\py\x85"):
        result = run("addin", "--path", conf, "--interpreter", value)
        assert_no_traceback(result)
        assert result.exit_code == 1 and "控制字符" in result.output
        assert conf.read_bytes() == b'"SHOW CONSOLE","True"\r\n'


def test_addin_path_that_is_a_link_is_refused(tmp_path):
    real = tmp_path / "真的.conf"
    real.write_bytes(b'"SHOW CONSOLE","True"\r\n')
    link = tmp_path / "xlwings.conf"
    link.symlink_to(real)
    result = run("addin", "--path", link, "--interpreter", "C:\\py\\python.exe")
    assert_no_traceback(result)
    assert result.exit_code == 1 and "符号链接" in result.output
    assert link.is_symlink() and real.read_bytes() == b'"SHOW CONSOLE","True"\r\n'


def test_addin_vba_obeys_force(tmp_path):
    bas = tmp_path / "udfs.bas"
    bas.write_bytes(b"kept")
    conf = tmp_path / "xlwings.conf"
    result = run("addin", "--path", conf, "--vba", bas)
    assert_no_traceback(result)
    assert result.exit_code == 2 and "--force" in result.output
    assert bas.read_bytes() == b"kept" and not conf.exists()  # refused before the config changed
    result = run("addin", "--path", conf, "--vba", conf, "--force")
    assert result.exit_code == 2 and "同一个文件" in result.output
    result = run("addin", "--path", conf, "--vba", bas, "--force")
    assert result.exit_code == 0, result.output
    assert bas.read_bytes().startswith(b"Attribute VB_Name")


def test_a_summary_written_over_an_old_one_with_force_is_a_regular_file(place):
    form = h.write_xlsx(place / "forms" / "表.xlsx", h.form_rows())
    summary, _ = _old_outputs(place)
    consolidate([form], summary, executor=InlineExecutor(), force=True)
    assert stat.S_ISREG(summary.lstat().st_mode) and cells(summary, PROJECTS)
    with pytest.raises(ConsolidateError, match="--force"):
        consolidate([form], summary, executor=InlineExecutor())


def test_a_temporary_file_replaced_by_a_link_meanwhile_is_neither_written_through_nor_put_in_place(tmp_path):
    from perfxl.files import OutputError, atomic_output, open_temporary

    victim = tmp_path / "输入.xlsx"
    victim.write_bytes(b"an input")
    out = tmp_path / "输出.xlsx"
    with pytest.raises(OutputError, match="已被替换"):
        with atomic_output(out) as tmp:
            os.unlink(tmp)
            os.symlink(victim, tmp)  # what someone with write access to the folder could do
            with pytest.raises(OSError):
                open_temporary(tmp)
    assert victim.read_bytes() == b"an input"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["输入.xlsx"]
