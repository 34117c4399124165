"""The Excel add-in set-up: the VBA "Import Functions" would create, xlwings.conf, ``perfxl addin``.

The VBA comes from xlwings' own generator (``xlwings.udfs.generate_vba_wrapper``, pywin32 stubbed);
the config file is read back by xlwings' own reader and checked against the keys xlwings' add-in
VBA asks for. Excel itself is not here: whether it imports and calls them is for Windows.
"""

from __future__ import annotations

from pathlib import Path

import xlwings
import xlwings.utils
from click.testing import CliRunner

from perfxl.addin import (
    CONFIG_SHEET,
    UDF_MODULE,
    as_on_windows,
    generate_vba,
    merge_config,
    parse_config,
    update_user_config,
    workbook_settings,
)
from perfxl.cli import main
from perfxl.udfs import CATEGORY
from tests.support.pycel_udf import python_name_for
from tests.support.vba import parse_vba_functions

XLWINGS_ADDIN_VBA = Path(xlwings.__file__).parent / "addin"

UDFS = {
    "perfxl_exec_rate": ["budget", "spent"],
    "perfxl_exec_score": ["budget", "spent", "weight", "actual"],
    "perfxl_score": ["target", "actual", "weight"],
    "perfxl_total": ["rule_scores", "self_scores"],
    "perfxl_grade": ["total"],
}


def run(*args):
    return CliRunner().invoke(main, ["addin", *map(str, args)])


# --- the VBA of "Import Functions" ------------------------------------------------------------------


def test_import_functions_would_create_one_wrapper_per_udf_with_its_arguments():
    vba = generate_vba(UDF_MODULE)
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert parse_vba_functions(vba, include_subs=True) == UDFS
    # only the 实际完成值 of the 预算执行率 row may be left out
    assert "Function perfxl_exec_score(budget, spent, weight, Optional actual)" in vba
    assert vba.count("Optional") == 1
    for name, args in UDFS.items():
        assert (
            f'{name} = XLPy.CallUDF("perfxl.udfs", "{name}", Array({", ".join(args)}), '
            "ThisWorkbook, Application.Caller)"
        ) in vba
        # the name a formula uses resolves to the same function in a formula engine (pycel)
        assert python_name_for(name.upper()) == name


def test_function_wizard_gets_chinese_help_for_every_argument():
    module = as_on_windows(UDF_MODULE)
    for name, args in UDFS.items():
        info = getattr(module, name).__xlfunc__
        assert info["category"] == CATEGORY
        assert info["ret"]["doc"] == getattr(module, name).__doc__
        assert [arg["name"] for arg in info["args"]] == args
        for arg in info["args"]:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in arg["doc"]), (name, arg["name"], arg["doc"])
            assert len(arg["doc"]) <= 255
            assert arg["options"] == {"err_to_str": True}


def test_addin_writes_the_vba_module_for_the_vba_editor(tmp_path):
    bas = tmp_path / "xlwings_udfs.bas"
    result = run("--path", tmp_path / "xlwings.conf", "--interpreter", r"C:\Python311\python.exe", "--vba", bas)
    assert result.exit_code == 0, result.output
    assert f"已写出 VBA 模块 {bas}" in result.output
    data = bas.read_bytes()
    assert data.decode("ascii") == generate_vba(UDF_MODULE).replace("\n", "\r\n")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


# --- xlwings.conf ---------------------------------------------------------------------------------------


def test_workbook_settings_use_the_keys_xlwings_addin_asks_for():
    assert workbook_settings() == [("UDF MODULES", "perfxl.udfs")]
    pairs = workbook_settings(r"C:\Python311\python.exe")
    assert pairs == [("UDF MODULES", "perfxl.udfs"), ("INTERPRETER_WIN", r"C:\Python311\python.exe")]
    main_bas = (XLWINGS_ADDIN_VBA / "Main.bas").read_text(encoding="latin-1")
    for key, _ in pairs:
        assert f'GetConfig("{key}"' in main_bas
    # the add-in reads the workbook's settings from a sheet of this name
    assert 'PROJECT_NAME & ".conf"' in (XLWINGS_ADDIN_VBA / "Config.bas").read_text(encoding="latin-1")
    assert CONFIG_SHEET == "xlwings.conf"


EXISTING = (
    '"INTERPRETER_WIN","C:\\old\\python.exe"\r\n'
    '"udf modules","my_udfs;"\r\n'
    '"SHOW CONSOLE","True"\r\n'
    '"PYTHONPATH","C:\\用户\\张三\\代码"\r\n'
    "a line xlwings does not read\r\n"
    '"INTERPRETER_WIN","C:\\ignored\\python.exe"\r\n'
)


def test_merge_keeps_every_other_setting_and_adds_perfxl_to_udf_modules():
    text, changes = merge_config(EXISTING, [("UDF MODULES", "perfxl.udfs"), ("INTERPRETER_WIN", r"C:\Py\python.exe")])
    assert text == (
        '"INTERPRETER_WIN","C:\\Py\\python.exe"\r\n'
        '"udf modules","my_udfs;perfxl.udfs"\r\n'
        '"SHOW CONSOLE","True"\r\n'
        '"PYTHONPATH","C:\\用户\\张三\\代码"\r\n'
        "a line xlwings does not read\r\n"
    )
    assert changes == [
        ("INTERPRETER_WIN", r"C:\old\python.exe", r"C:\Py\python.exe"),
        ("UDF MODULES", "my_udfs;", "my_udfs;perfxl.udfs"),
    ]
    again, no_changes = merge_config(text, [("UDF MODULES", "perfxl.udfs"), ("INTERPRETER_WIN", r"C:\Py\python.exe")])
    assert (again, no_changes) == (text, [])


def test_merge_into_an_empty_file():
    text, changes = merge_config("", [("UDF MODULES", "perfxl.udfs")])
    assert text == '"UDF MODULES","perfxl.udfs"\r\n'
    assert parse_config(text) == [("UDF MODULES", "perfxl.udfs")]
    assert changes == [("UDF MODULES", None, "perfxl.udfs")]


def test_written_config_reads_back_through_xlwings_own_reader(tmp_path, monkeypatch):
    path = tmp_path / ".xlwings" / "xlwings.conf"
    path.parent.mkdir()
    path.write_bytes(EXISTING.encode("utf-8"))
    update = update_user_config(path, r"C:\Py\python.exe")
    assert update.written

    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(path))
    config = xlwings.utils.read_user_config()
    assert config["udf modules"] == "my_udfs;perfxl.udfs"
    assert config["interpreter_win"] == r"C:\Py\python.exe"
    assert config["show console"] == "True"
    assert config["pythonpath"] == "C:\\用户\\张三\\代码"
    assert parse_config(path.read_text(encoding="utf-8"))[0] == ("INTERPRETER_WIN", r"C:\Py\python.exe")


def test_bytes_the_locale_cannot_decode_survive_the_update(tmp_path):
    """A file written in another code page (GBK here) keeps its other lines byte for byte."""
    path = tmp_path / "xlwings.conf"
    gbk_line = '"PYTHONPATH","D:\\绩效\\脚本"\r\n'.encode("gbk")
    path.write_bytes(gbk_line)
    update_user_config(path, r"C:\Py\python.exe")
    data = path.read_bytes()
    assert data.startswith(gbk_line)
    assert data.endswith(b'"UDF MODULES","perfxl.udfs"\r\n"INTERPRETER_WIN","C:\\Py\\python.exe"\r\n')


def test_a_quote_in_a_setting_is_refused(tmp_path):
    result = run("--path", tmp_path / "xlwings.conf", "--interpreter", 'C:\\a"b\\python.exe')
    assert result.exit_code == 1
    assert "不能含有双引号" in result.output
    assert not (tmp_path / "xlwings.conf").exists()


# --- perfxl addin -------------------------------------------------------------------------------------


def test_addin_writes_the_user_config_then_has_nothing_to_change(tmp_path):
    path = tmp_path / "conf" / "xlwings.conf"
    first = run("--path", path, "--interpreter", r"C:\Py\python.exe")
    assert first.exit_code == 0, first.output
    assert f"已更新 {path}" in first.output
    assert "UDF MODULES：（无） → perfxl.udfs" in first.output
    assert "导入文件" in first.output and "勾选 xlwings" in first.output
    assert parse_config(path.read_text(encoding="utf-8")) == [
        ("UDF MODULES", "perfxl.udfs"),
        ("INTERPRETER_WIN", r"C:\Py\python.exe"),
    ]

    second = run("--path", path, "--interpreter", r"C:\Py\python.exe")
    assert second.exit_code == 0
    assert "无需修改" in second.output


def test_dry_run_prints_the_file_and_writes_nothing(tmp_path):
    path = tmp_path / "xlwings.conf"
    path.write_text('"SHOW CONSOLE","True"\r\n', encoding="utf-8")
    result = run("--path", path, "--interpreter", r"C:\Py\python.exe", "--dry-run", "--vba", tmp_path / "u.bas")
    assert result.exit_code == 0
    assert result.output.startswith(
        f'（试运行，未写入）{path} 将为：\n"SHOW CONSOLE","True"\n"UDF MODULES","perfxl.udfs"\n'
    )
    assert path.read_bytes() == b'"SHOW CONSOLE","True"\r\n'
    assert not (tmp_path / "u.bas").exists()


def test_without_windows_or_interpreter_only_udf_modules_is_set(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    path = tmp_path / "xlwings.conf"
    result = run("--path", path)
    assert result.exit_code == 0
    assert "未设置 INTERPRETER_WIN" in result.stderr
    assert parse_config(path.read_text(encoding="utf-8")) == [("UDF MODULES", "perfxl.udfs")]


def test_on_windows_the_interpreter_is_this_python(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setattr("sys.executable", r"C:\Users\张三\venv\Scripts\python.exe")
    path = tmp_path / "xlwings.conf"
    assert run("--path", path, "--no-xlwings-addin").exit_code == 0
    assert ("INTERPRETER_WIN", r"C:\Users\张三\venv\Scripts\python.exe") in parse_config(
        path.read_text(encoding="utf-8")
    )


def test_a_file_that_cannot_be_written_gives_exit_1_and_a_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = run("--path", blocker / "xlwings.conf", "--interpreter", r"C:\Py\python.exe")
    assert result.exit_code == 1
    assert result.output.startswith(f"错误：{blocker / 'xlwings.conf'}: 无法写入")
    assert "Traceback" not in result.output


def test_a_folder_as_path_is_a_usage_error(tmp_path):
    result = run("--path", tmp_path)
    assert result.exit_code == 2


# --- the xlwings add-in itself -----------------------------------------------------------------------


def test_the_add_in_perfxl_addin_installs_is_the_one_xlwings_ships():
    import zipfile

    from perfxl.addin import xlwings_addin_file

    with zipfile.ZipFile(xlwings_addin_file()) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()  # the VBA project holding XLPy.CallUDF


def test_off_windows_addin_says_the_add_in_was_not_installed_and_still_writes_the_config(tmp_path):
    conf = tmp_path / "xlwings.conf"
    result = CliRunner().invoke(main, ["addin", "--path", str(conf), "--vba", str(tmp_path / "perfxl_udfs.bas")])
    assert result.exit_code == 0, result.output
    assert "未安装 xlwings 加载项" in result.output
    assert '"UDF MODULES","perfxl.udfs"' in conf.read_text()
    assert f"导入文件 {tmp_path / 'perfxl_udfs.bas'}" in result.output


def test_on_windows_addin_runs_xlwings_own_add_in_install(tmp_path, monkeypatch):
    """Here xlwings' own install code runs and stops where it asks Excel (through pywin32) for XLSTART."""
    monkeypatch.setattr("sys.platform", "win32")
    result = run("--path", tmp_path / "xlwings.conf")
    assert result.exit_code == 1
    assert result.output.startswith("错误：安装 xlwings 加载项失败（")
    assert "pywin32" in result.output  # xlwings' own message: it went looking for Excel
