"""What a Windows user needs to call perfxl's UDFs from Excel, the xlwings way.

How xlwings (0.37) finds UDFs: the xlwings add-in (``xlwings addin install``) reads its settings
from, in this order, a sheet named ``xlwings.conf`` in the workbook (key in column A from A1 down,
value in column B, keys compared in capitals), a file ``xlwings.conf`` beside the workbook, and the
user file ``%USERPROFILE%\\.xlwings\\xlwings.conf`` (lines ``"KEY","VALUE"``, which the ribbon writes
and ``xlwings config create`` starts). ``UDF MODULES`` names the Python modules whose ``@xw.func``
functions "Import Functions" turns into VBA wrappers (without it, a module named like the workbook
is looked for); ``INTERPRETER_WIN`` is the python.exe that runs them.

This module gives:

- :func:`workbook_settings`: the pairs for a workbook's ``xlwings.conf`` sheet;
- :func:`update_user_config`: ``UDF MODULES`` and ``INTERPRETER_WIN`` merged into the user file,
  every other line kept as it is;
- :func:`generate_vba`: the VBA module "Import Functions" would create, written by xlwings' own
  ``xlwings.udfs.generate_vba_wrapper``, on any platform (pywin32 is stubbed where missing);
- :func:`install_xlwings_addin`: ``xlwings addin install``, xlwings' own code (Windows, Excel).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import locale
import os
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlwings

from .files import OutputError, atomic_output, make_folder, open_temporary, os_reason, refuse_existing

#: The module "UDF MODULES" must name.
UDF_MODULE = "perfxl.udfs"
UDF_MODULES_KEY = "UDF MODULES"
INTERPRETER_KEY = "INTERPRETER_WIN"
#: The sheet xlwings reads workbook settings from.
CONFIG_SHEET = "xlwings.conf"
#: An xlwings.conf holds a few lines; a bigger file is not one (and is not read into memory).
MAX_CONFIG_BYTES = 1 << 20
#: What a setting's value may not hold: a line break would start a setting of its own.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class AddinError(Exception):
    """The user config file cannot be read or written; the message is for the user (Chinese)."""


def workbook_settings(interpreter: str | None = None) -> list[tuple[str, str]]:
    """The key/value pairs for a workbook's ``xlwings.conf`` sheet.

    Write them from A1 down (key in column A, value in column B, no header row); the sheet may be
    hidden. A sheet setting overrides the user's file, so an interpreter belongs there only when
    every user of the workbook has Python at that path.

    Args:
        interpreter: the python.exe for ``INTERPRETER_WIN``, or None to leave it to the user file.

    Returns:
        [("UDF MODULES", "perfxl.udfs")], plus ("INTERPRETER_WIN", interpreter) when given.
    """
    pairs = [(UDF_MODULES_KEY, UDF_MODULE)]
    if interpreter:
        pairs.append((INTERPRETER_KEY, interpreter))
    return pairs


def user_config_path() -> Path:
    """The user's xlwings.conf: ``%USERPROFILE%\\.xlwings\\xlwings.conf`` on Windows."""
    return Path(xlwings.USER_CONFIG_FILE)


def xlwings_addin_file() -> Path:
    """The add-in ``xlwings addin install`` copies into Excel's XLSTART folder (shipped with xlwings)."""
    return Path(xlwings.__file__).parent / "addin" / "xlwings.xlam"


def install_xlwings_addin() -> None:
    """Run ``xlwings addin install``: xlwings' own code copies :func:`xlwings_addin_file` into the
    XLSTART folder Excel reports (through COM) and, when there is none, starts the user config file.

    Raises:
        AddinError: not on Windows (the folder comes from a running Excel).
    """
    if not sys.platform.startswith("win"):
        raise AddinError("xlwings 加载项只能在 Windows 上安装（安装时要向 Excel 询问 XLSTART 文件夹）")
    from xlwings import cli as xlwings_cli

    try:
        # the arguments xlwings' own "addin install" parser gives: its bundled add-in, for this user
        xlwings_cli.addin_install(argparse.Namespace(glob=False, dir=None, file=None))
    except Exception as exc:  # COM and file errors of many kinds; xlwings prints most itself
        raise AddinError(
            f"安装 xlwings 加载项失败（{exc}）；可关闭 Excel 后重试，或运行 xlwings addin install"
        ) from exc


def default_interpreter() -> str | None:
    """This Python on Windows, where perfxl is installed; None elsewhere (the path would be useless)."""
    return sys.executable if sys.platform.startswith("win") and sys.executable else None


# --- the user config file ------------------------------------------------------------------------

# One setting as VBA's ``Write #`` writes it and ``Input #`` reads it: "KEY","VALUE".
_LINE = re.compile(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$')


def _setting_problem(value: str) -> str | None:
    """Why ``value`` cannot be a setting's value in xlwings.conf, or None when it can."""
    if '"' in value:
        return "不能含有双引号"
    if _CONTROL.search(value):
        return "不能含有换行等控制字符"
    return None


def _config_line(key: str, value: str) -> str:
    problem = _setting_problem(value)
    if problem:
        raise AddinError(f"{key} 的值{problem}：{value!r}")
    return f'"{key}","{value}"'


def parse_config(text: str) -> list[tuple[str, str]]:
    """The ``"KEY","VALUE"`` settings of an xlwings.conf text, in file order (other lines skipped)."""
    return [(m[1], m[2]) for m in map(_LINE.match, text.splitlines()) if m]


def _with_module(modules: str, module: str) -> str:
    """A "UDF MODULES" value ("a;b") with ``module`` added when it is not listed yet."""
    names = [name.strip() for name in modules.split(";") if name.strip()]
    return ";".join(names if module in names else [*names, module])


@dataclass
class ConfigUpdate:
    """The result of :func:`update_user_config`."""

    path: Path
    text: str  # the file's new content
    interpreter: str | None = None  # what INTERPRETER_WIN was set to; None: left alone
    changes: list[tuple[str, str | None, str]] = field(default_factory=list)  # (key, old, new)
    written: bool = False


def merge_config(text: str, settings: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str | None, str]]]:
    """Settings merged into an xlwings.conf text.

    A key already in the file has its first line replaced where it stands (xlwings' VBA reads the
    first, its Python the last, so later duplicates of it are dropped); a new key is added at the
    end. ``UDF MODULES`` keeps the modules already listed and gains the new one. Every other line
    stays exactly as it was. Keys are matched regardless of case, as xlwings does.

    Args:
        text: the file's current content ("" for none).
        settings: (key, value) pairs to set.

    Returns:
        The new text and the changes made, as (key, old value or None, new value).
    """
    wanted = {key.upper(): (key, value) for key, value in settings}
    out: list[str] = []
    done: dict[str, str] = {}
    changes: list[tuple[str, str | None, str]] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        key = match.group(1).upper() if match else None
        if match is None or key not in wanted:
            out.append(line)
            continue
        if key in done:
            continue
        name, value = wanted[key]
        old = match.group(2)
        if key == UDF_MODULES_KEY:
            value = _with_module(old, value)
        done[key] = value
        out.append(_config_line(match.group(1), value))
        if value != old:
            changes.append((name, old, value))
    for key, (name, value) in wanted.items():
        if key not in done:
            out.append(_config_line(name, value))
            changes.append((name, None, value))
    # CRLF, as VBA's Write # writes lines and its Input # reads them.
    return "".join(line + "\r\n" for line in out), changes


def _ansi_encoding() -> str:
    """The encoding VBA's ``Open ... For Input`` reads: the ANSI code page (cp936 on Chinese Windows)."""
    getencoding = getattr(locale, "getencoding", None)  # Python 3.11+: not changed by UTF-8 mode
    return getencoding() if getencoding else locale.getpreferredencoding(False)


def update_user_config(
    path: str | os.PathLike | None = None, interpreter: str | None = None, dry_run: bool = False
) -> ConfigUpdate:
    """Point xlwings at perfxl's UDFs in the user's xlwings.conf.

    Sets ``UDF MODULES`` to include ``perfxl.udfs`` and, when an interpreter is known,
    ``INTERPRETER_WIN``; every other setting and line of the file is kept. The file is read and
    written in the ANSI code page, as the add-in's VBA reads it; bytes it cannot decode are kept.
    Reading the text back is easiest with :func:`parse_config`. The user file's ``UDF MODULES``
    applies to every workbook without an ``xlwings.conf`` sheet, replacing xlwings' default (a
    module named like the workbook): modules already listed there stay.

    Args:
        path: the file; None for :func:`user_config_path`.
        interpreter: python.exe for ``INTERPRETER_WIN``; None for :func:`default_interpreter`.
        dry_run: compute the new content without writing it.

    Returns:
        What was (or would be) written.

    Raises:
        AddinError: the file cannot be read or written.
    """
    target = Path(path) if path is not None else user_config_path()
    encoding = _ansi_encoding()
    try:
        refuse_existing(target, force=True)  # before reading: a device may never end, a link leads elsewhere
        # Bytes decoded by hand: read_text would turn CRLF into LF.
        old = _read_config(target).decode(encoding, errors="surrogateescape")
    except OutputError as exc:
        raise AddinError(str(exc)) from exc
    except OSError as exc:
        raise AddinError(f"{target}: 无法读取（{os_reason(exc)}）") from exc
    interpreter = interpreter or default_interpreter()
    settings = [(UDF_MODULES_KEY, UDF_MODULE)]
    if interpreter:
        settings.append((INTERPRETER_KEY, interpreter))
    text, changes = merge_config(old, settings)
    update = ConfigUpdate(path=target, text=text, interpreter=interpreter, changes=changes)
    if dry_run or not changes:
        return update
    try:
        data = text.encode(encoding, errors="surrogateescape")
    except UnicodeEncodeError as exc:
        raise AddinError(
            f"{target}: 设置中有 {encoding} 编码无法表示的字符（{exc.object[exc.start : exc.end]}）"
        ) from exc
    try:
        make_folder(target.parent)
        # Written beside the target and renamed, so that a failure never leaves half a file.
        with atomic_output(target, force=True) as tmp:
            with open_temporary(tmp) as fh:
                fh.write(data)
    except OutputError as exc:
        raise AddinError(str(exc)) from exc
    update.written = True
    return update


def _read_config(path: Path) -> bytes:
    """The file's bytes, b"" when there is none.

    Raises:
        AddinError: it is larger than :data:`MAX_CONFIG_BYTES`.
        OSError: it cannot be read.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return b""
    if len(data) > MAX_CONFIG_BYTES:
        raise AddinError(f"{path}: 文件超过 {MAX_CONFIG_BYTES // (1 << 20)} MB，不是 xlwings.conf，未读取")
    return data


# --- "Import Functions" without Excel ---------------------------------------------------------------
#
# In Excel, the ribbon's "Import Functions" calls xlwings.udfs.import_udfs, which writes a VBA module
# "xlwings_udfs" with one wrapper per @xw.func (xlwings.udfs.generate_vba_wrapper) and imports it.
# Two things keep that code Windows-only: xlwings/udfs.py imports pywin32 (pythoncom, pywintypes,
# win32com.client) at import time, and on other platforms xw.func / arg / ret are no-op decorators,
# so a UDF module imported there carries no __xlfunc__ metadata. generate_vba therefore imports
# xlwings.udfs afresh with stub modules for whichever of those pywin32 modules are missing, executes
# a fresh copy of the UDF module while xw.func & co. are bound to xlwings.udfs' real decorators (the
# binding xlwings/__init__.py makes on Windows), and puts everything back afterwards.

#: The pywin32 modules ``xlwings/udfs.py`` imports at module level.
WINDOWS_ONLY_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")

# xlwings/__init__.py on Windows: ``from .udfs import xlfunc as func, ...``
_DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "sub": "xlsub", "script": "xlsub"}

#: "absent" sentinel; Any, as it stands in for a module or attribute when restoring them
_MISSING: Any = object()


def _windows_only(qualname: str):
    def unavailable(*args, **kwargs):
        raise RuntimeError(f"{qualname} is a stub (pywin32 is Windows-only)")

    unavailable.__qualname__ = unavailable.__name__ = qualname
    return unavailable


def _really_importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _make_stubs() -> dict[str, types.ModuleType]:
    """Stub modules with the attributes xlwings/udfs.py touches when it is imported."""
    # Any: the stubs get attributes that types.ModuleType does not declare
    pythoncom: Any = types.ModuleType("pythoncom")
    # used as ThreadPoolExecutor(initializer=pythoncom.CoInitialize) at import
    pythoncom.CoInitialize = _windows_only("pythoncom.CoInitialize")

    pywintypes: Any = types.ModuleType("pywintypes")

    class com_error(Exception):  # only referenced in except clauses
        pass

    pywintypes.com_error = com_error

    win32com: Any = types.ModuleType("win32com")
    win32com.__path__ = []  # a package, so "win32com.client" resolves
    client: Any = types.ModuleType("win32com.client")
    client.Dispatch = _windows_only("win32com.client.Dispatch")
    win32com.client = client
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@contextlib.contextmanager
def xlwings_udfs() -> Iterator[types.ModuleType]:
    """A freshly imported ``xlwings.udfs``, with pywin32 stubs where pywin32 is missing.

    On exit ``sys.modules`` and the ``xlwings.udfs`` attribute are restored exactly.
    """
    names = (*WINDOWS_ONLY_MODULES, "xlwings.udfs")
    saved = {name: sys.modules.get(name, _MISSING) for name in names}
    saved_attr = getattr(xlwings, "udfs", _MISSING)
    try:
        stubs = _make_stubs()
        for name in WINDOWS_ONLY_MODULES:
            if not _really_importable(name):
                sys.modules[name] = stubs[name]
        sys.modules.pop("xlwings.udfs", None)
        yield importlib.import_module("xlwings.udfs")
    finally:
        for name, module in saved.items():
            if module is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        if saved_attr is _MISSING:
            if hasattr(xlwings, "udfs"):
                delattr(xlwings, "udfs")
        else:
            xlwings.udfs = saved_attr  # type: ignore[attr-defined]  # xlwings/__init__ imports .udfs on Windows only


@contextlib.contextmanager
def _windows_decorators(udfs: types.ModuleType) -> Iterator[None]:
    saved = {name: getattr(xlwings, name, _MISSING) for name in _DECORATORS}
    try:
        for name, udfs_name in _DECORATORS.items():
            setattr(xlwings, name, getattr(udfs, udfs_name))
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                delattr(xlwings, name)
            else:
                setattr(xlwings, name, value)


def _fresh_copy(module: types.ModuleType | str) -> types.ModuleType:
    """The module's source executed again into a new module object.

    While it executes, the new object is ``sys.modules[name]`` (dataclasses, pydantic and friends
    look themselves up there); the previous entry is put back afterwards.
    """
    if isinstance(module, str):
        name = module
        spec = importlib.util.find_spec(name)
    else:
        name = module.__name__
        spec = getattr(module, "__spec__", None)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot re-import module {name!r}: it has no import spec")
    fresh = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name, _MISSING)
    sys.modules[name] = fresh
    try:
        spec.loader.exec_module(fresh)
    finally:
        if previous is _MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
    return fresh


def as_on_windows(module: types.ModuleType | str = UDF_MODULE) -> types.ModuleType:
    """A fresh copy of ``module`` as xlwings sees it on Windows: each ``@xw.func`` carries its
    ``__xlfunc__`` metadata (arguments, their help texts, category), from which "Import Functions"
    writes the VBA and the function wizard's descriptions. ``sys.modules`` is left as it was."""
    with xlwings_udfs() as udfs, _windows_decorators(udfs):
        return _fresh_copy(module)


def generate_vba(
    module: types.ModuleType | str = UDF_MODULE, *, module_name: str | None = None, workbook_name: str = "perfxl.xlsm"
) -> str:
    """The VBA module "xlwings_udfs" that "Import Functions" would create for ``module``.

    The same header ``xlwings.udfs.import_udfs`` writes, then xlwings' own
    ``generate_vba_wrapper``: one ``Function`` per ``@xw.func`` (a ``Sub`` per ``@xw.sub``),
    calling back into Python through ``XLPy.CallUDF``.

    Args:
        module: a module object or an importable module name.
        module_name: the name written into the ``XLPy.CallUDF("<name>", ...)`` calls, i.e. what
            "UDF Modules" lists; defaults to the module's ``__name__``.
        workbook_name: the workbook imported into; one ending in ``.xlam`` makes the wrappers use
            ``ActiveWorkbook`` instead of ``ThisWorkbook``, as xlwings does for add-ins.

    Returns:
        The VBA text, lines ending in "\\n".
    """
    with xlwings_udfs() as udfs:
        with _windows_decorators(udfs):
            fresh = _fresh_copy(module)
        buf = io.StringIO()
        header = udfs.VBAWriter(buf)
        header.writeln('Attribute VB_Name = "xlwings_udfs"')
        header.writeln("'Autogenerated code by xlwings - changes will be lost with next import!")
        header.writeln("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""")
        # generate_vba_wrapper only reads .Name of the workbook (.xlam or not).
        udfs.generate_vba_wrapper(module_name or fresh.__name__, fresh, buf, types.SimpleNamespace(Name=workbook_name))
    return buf.getvalue()


def write_vba(path: str | os.PathLike, module: types.ModuleType | str = UDF_MODULE, *, force: bool = False) -> Path:
    """Write :func:`generate_vba` of ``module`` as a .bas file the VBA editor can import.

    Lines end in CRLF and the text is ASCII (names only), as the VBA editor expects. Written as
    every output is (:func:`perfxl.files.atomic_output`): an existing file only with ``force``.

    Returns:
        The path written.

    Raises:
        AddinError: the file is refused or cannot be written.
    """
    target = Path(path)
    data = generate_vba(module).replace("\n", "\r\n").encode("ascii")
    try:
        with atomic_output(target, force=force) as tmp:
            with open_temporary(tmp) as fh:
                fh.write(data)
    except OutputError as exc:
        raise AddinError(str(exc)) from exc
    return target
