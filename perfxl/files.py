"""Writing output files safely: never over an input, never half a file, never over a file unasked,
never through a link, never over anything but a regular file.

Every file perfxl writes (templates, summaries, CSVs, configuration, VBA) goes through
:func:`atomic_outputs` (:func:`atomic_output` for one file): the content is written to a temporary
file in the target's own folder and renamed over the target only when complete, so a crash, a
Ctrl-C or a full disk leaves the old file (or nothing) in place, never a truncated one, and no
temporary file behind. A target that exists is replaced only with ``force``, and never when it is a
symbolic link, a folder, a device, a pipe or a socket. XlsxWriter's own temporary files go into a
private folder removed on every exit (:func:`xlsx_workbook`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from .inputs import real_path
from .optional import require

#: What no file name may hold on Windows: reserved characters and control characters (C0, DEL, C1).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class OutputError(ValueError):
    """An output that must not or cannot be written, with the reason in one Chinese line."""


#: What an OSError means, for a message a user reads (strerror is English whatever the locale).
_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件超过允许的大小",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统只读",
    errno.ENOENT: "不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已存在",
    errno.EISDIR: "是文件夹",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EIO: "读写出错（输入/输出错误）",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "打开的文件过多",
    errno.ENOMEM: "内存不足",
    errno.ELOOP: "符号链接层数过多",
    errno.EXDEV: "不在同一文件系统",
    errno.EBUSY: "文件正被占用",
    errno.ETXTBSY: "文件正被占用",
}

#: A temporary file's name keeps this much of the target's name: the rest of the name limit
#: (255 bytes) is left for the random part, whatever the target's length.
_TEMP_STEM_CHARS = 32
_TEMP_SUFFIX_CHARS = 16


def safe_name(text: str, max_bytes: int, suffix: str = "") -> str:
    """``text`` as a file name that Windows and Linux accept, with ``suffix``, in ``max_bytes``
    UTF-8 bytes at most (the text is cut, never a character split, never the suffix). Format
    characters (a right-to-left override that shows ``…exe.xlsx`` as ``…xlsx.exe``, zero-width
    spaces) and lone surrogates are left out."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cs"))
    name = _UNSAFE.sub("_", text).strip().rstrip(". ")
    budget = max(max_bytes - len(suffix.encode("utf-8")), 1)
    cut = name.encode("utf-8", "surrogatepass")[:budget].decode("utf-8", "ignore").rstrip(". ")
    if not cut or cut.split(".")[0].upper() in _DEVICES:
        cut = ("_" + cut).encode("utf-8", "surrogatepass")[:budget].decode("utf-8", "ignore")
    return cut + suffix


def unique_name(name: str, used: set[str], max_bytes: int) -> str:
    """``name``, or ``name-2``, ``name-3`` … (within ``max_bytes``), unused in ``used`` whatever the
    letter case (Windows does not tell ``A.xlsx`` from ``a.xlsx``); the name returned is added."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = safe_name(stem, max_bytes, f"-{n}{suffix}")
    used.add(candidate.casefold())
    return candidate


def os_reason(exc: BaseException) -> str:
    """An OSError's reason in Chinese (its errno), else its own text."""
    if isinstance(exc, OSError):
        if exc.errno in _REASONS:
            return _REASONS[exc.errno]
        if exc.strerror:
            return exc.strerror
    return str(exc) or type(exc).__name__


def new_file_mode() -> int:
    """The mode a newly created file gets here: 0666 less the process's umask."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the umask can only be read by setting it, and back
    os.umask(mask)
    return 0o666 & ~mask


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def refuse_existing(path: Path, force: bool) -> None:
    """Refuse ``path`` unless it is a new name, or a regular file (then only with ``force``).

    Also what a file that is read and then written (xlwings.conf) must pass before it is read:
    reading a device or a pipe may never end, and a link leads elsewhere.

    Raises:
        OutputError: it is a symbolic link, a folder, a device, a pipe or a socket; it exists and
            ``force`` is not given; or a part of its folder is not a folder.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise OutputError(f"{path}: 无法写入（{_folder(path)} 不是文件夹）") from None
    except OSError as exc:
        raise OutputError(f"{path}: 无法访问（{os_reason(exc)}）") from exc
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{path}: 是符号链接，拒绝写入（输出不经链接写到别处）")
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: 是文件夹，不是文件")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{path}: 不是普通文件（设备、管道或套接字），拒绝写入")
    if not force:
        raise OutputError(f"{path}: 文件已存在，未覆盖（需要覆盖请加 --force）")


def check_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse, before any work is done, an output that would overwrite something it must not.

    Args:
        path: the file to be written.
        force: an existing regular file may be replaced.
        inputs: files being read: the output may never be one of them.

    Returns:
        The path.

    Raises:
        OutputError: the output is an input; is a symbolic link, a folder or not a regular file;
            exists (without ``force``); or its folder does not exist or cannot be written.
    """
    return check_outputs([path], force=force, inputs=inputs)[0]


def check_outputs(paths: Iterable[str | Path], *, force: bool = False, inputs: Iterable[str | Path] = ()) -> list[Path]:
    """:func:`check_output` for several outputs, the inputs gone through once for all of them."""
    outputs = [Path(p) for p in paths]
    _refuse_inputs(outputs, inputs)
    for path in outputs:
        refuse_existing(path, force)
        folder = _folder(path)
        if not folder.is_dir():
            there = os.path.lexists(folder)
            raise OutputError(
                f"{path}: 无法写入（{folder} 不是文件夹）" if there else f"{path}: 文件夹 {folder} 不存在"
            )
        # Try it: permission bits say nothing for root or on read-only and special file systems.
        try:
            os.unlink(_temporary_beside(path, ".probe"))
        except OSError as exc:
            raise OutputError(f"{path}: 文件夹 {folder} 无法写入（{os_reason(exc)}）") from exc
    return outputs


def _refuse_inputs(outputs: list[Path], inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is one of the inputs once links, ``..`` and relative paths are resolved.

    As :func:`perfxl.inputs.is_one_of` for one output, in one pass over the inputs for all: only an
    input that can resolve to an output is resolved (one with an output's resolved name, or whose
    last part is a link, ``.`` or ``..``).
    """
    targets = {os.path.realpath(p): p for p in outputs}
    names = {os.path.basename(t) for t in targets}
    folders: dict[str, str] = {}
    for path in inputs:
        path = os.fspath(path)
        base = os.path.basename(path)
        if base in names or base in ("", ".", "..") or os.path.islink(path):
            hit = targets.get(real_path(path, folders))
            if hit is not None:
                raise OutputError(f"{hit}: 输出文件也是输入文件之一，拒绝覆盖")


def make_folder(folder: str | Path) -> list[Path]:
    """Make an output folder and its missing parents.

    Returns:
        The folders made, outermost first (:func:`remove_folders` takes them away after a failure).

    Raises:
        OutputError: it cannot be made (a part of it is a file, no permission, a full disk).
    """
    folder = Path(folder)
    missing = []
    for part in (folder, *folder.parents):
        if str(part) in ("", ".") or os.path.isdir(part):
            break
        missing.append(part)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # what mkdir says of a file in the folder's place
        raise OutputError(f"{folder}: 不是文件夹") from None
    except OSError as exc:
        raise OutputError(f"{folder}: 无法建立文件夹（{os_reason(exc)}）") from exc
    return missing[::-1]


def remove_folders(made: list[Path]) -> None:
    """Remove the folders :func:`make_folder` made, innermost first, each only while it is empty."""
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _temporary_beside(path: Path, suffix: str = ".tmp") -> str:
    """A new empty file, hidden, in ``path``'s folder (so that renaming it over ``path`` is atomic)."""
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem[:_TEMP_STEM_CHARS]}-", suffix=path.suffix[:_TEMP_SUFFIX_CHARS] + suffix, dir=_folder(path)
    )
    os.close(fd)
    return tmp


def open_temporary(tmp: str, mode: str = "wb", **options):
    """Open a temporary file of :func:`atomic_outputs` to write it, never through a link that someone
    with write access to the folder put in its place meanwhile."""
    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
    return open(fd, mode, **options)


def _place(tmp: str, path: Path, force: bool) -> None:
    """Rename the finished ``tmp`` to ``path``; without ``force`` never over a file that appeared meanwhile."""
    if not stat.S_ISREG(os.lstat(tmp).st_mode):  # replaced meanwhile: a link must not become the output
        raise OutputError(f"{path}: 临时文件 {tmp} 已被替换，未写出")
    if not force:
        try:
            os.link(tmp, path)  # fails, atomically, when the name exists by now (whatever it is)
        except FileExistsError:
            raise OutputError(f"{path}: 文件已存在，未覆盖（需要覆盖请加 --force）") from None
        except OSError:
            pass  # a file system without hard links: checked, then renamed
        else:
            os.unlink(tmp)
            return
    refuse_existing(path, force)  # it may have become a link or a device meanwhile
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_outputs(
    paths: Iterable[str | Path], *, force: bool = False, inputs: Iterable[str | Path] = ()
) -> Iterator[list[str]]:
    """Temporary paths to write to; when the block ends they replace ``paths``, all or none.

    Every target is checked before anything is written (:func:`check_output`); the temporary files
    are made beside their targets and removed on any failure, Ctrl-C included.

    Args:
        paths: the final files.
        force: existing regular files may be replaced.
        inputs: files being read (never overwritten).

    Yields:
        One temporary path per target, in order.

    Raises:
        OutputError: a target is refused (see :func:`check_output`), two targets are one file, a
            target appeared meanwhile (without ``force``), or writing failed (a full disk): the
            message names the target and the reason.
    """
    targets = check_outputs(paths, force=force, inputs=inputs)
    seen: dict[str, Path] = {}
    for target in targets:
        key = os.path.realpath(target)
        if key in seen:
            raise OutputError(f"{target}: 与 {seen[key]} 是同一个文件，不能同时写出")
        seen[key] = target
    temps: list[str] = []
    placed = 0
    try:
        for target in targets:
            temps.append(_temporary_beside(target))
        yield temps
        mode = new_file_mode()  # mkstemp makes a file private (0600): an output gets the user's usual mode
        for tmp in temps:
            os.chmod(tmp, mode)
        for tmp, target in zip(temps, targets):
            _place(tmp, target, force)
            placed += 1
    except OSError as exc:
        if not targets:
            raise
        # name the target being written when the error says which file it was, else the first
        at = temps.index(exc.filename) if exc.filename in temps else min(placed, len(temps), len(targets) - 1)
        raise OutputError(f"{targets[max(at, 0)]}: 未能写出（{os_reason(exc)}）") from exc
    finally:
        for tmp in temps[placed:]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@contextlib.contextmanager
def atomic_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[str]:
    """:func:`atomic_outputs` for one file: a temporary path that replaces ``path`` on success."""
    with atomic_outputs([path], force=force, inputs=inputs) as (tmp,):
        yield tmp


class _ZipTarget:
    """The file XlsxWriter zips the workbook into, which takes every write silently once writing it
    has failed (a full disk, or anything else): the zip's destructor finishes the file again when
    the failure has left it open, and a second failure there would be printed as a traceback."""

    def __init__(self, fh):
        self._fh = fh
        self.failed = False
        self._pos = 0  # once failed, where the file would be: the zip's offsets stay consistent

    def _do(self, method: str, *args):
        try:
            return getattr(self._fh, method)(*args)
        except OSError:
            self.failed = True
            raise

    def write(self, data):
        if self.failed:
            self._pos += len(data)
            return len(data)
        written = self._do("write", data)
        self._pos += written or 0
        return written

    def flush(self):
        if not self.failed:
            self._do("flush")

    def seek(self, offset, whence=0):
        if self.failed:
            self._pos = offset if whence == 0 else self._pos + offset if whence == 1 else self._pos
            return self._pos
        self._pos = self._do("seek", offset, whence)
        return self._pos

    def tell(self):
        return self._pos if self.failed else self._do("tell")

    def seekable(self):
        return True

    def close(self):
        """Close the file: a failure to write what is left is raised, unless one was already."""
        if not self.failed:
            self._fh.close()
        with contextlib.suppress(OSError):
            self._fh.close()


@contextlib.contextmanager
def xlsx_workbook(target, options: dict | None = None, workbook_class=None) -> Iterator:
    """An XlsxWriter workbook writing ``target``, closed when the block ends; on failure discarded.

    Its temporary files (constant-memory rows, the parts before they are zipped) go into a private
    folder removed on every exit, Ctrl-C included. A failed workbook is marked closed and its files
    are closed, so that no destructor writes ``target`` again after the caller removed it, or fails
    a second time on a full disk. A failure to store the file comes out as the OSError it is, not
    XlsxWriter's wrapper of it.

    Args:
        target: the file (a temporary path of :func:`atomic_outputs`), or a binary file object.
        options: XlsxWriter's workbook options; ``tmpdir`` is set here.
        workbook_class: an ``xlsxwriter.Workbook`` subclass; ``xlsxwriter.Workbook`` by default.

    Raises:
        OutputError: the private temporary folder cannot be made.
    """
    xlsxwriter = require("xlsxwriter", "写 Excel 工作簿")
    from xlsxwriter.exceptions import FileCreateError

    options = dict(options or {})
    private = None
    if not options.get("in_memory"):
        try:
            private = tempfile.mkdtemp(prefix="perfxl-")
        except OSError as exc:
            raise OutputError(f"无法建立临时文件夹（{tempfile.gettempdir()}：{os_reason(exc)}）") from exc
        options["tmpdir"] = private
    with contextlib.ExitStack() as stack:
        if private is not None:
            stack.callback(shutil.rmtree, private, ignore_errors=True)
        if isinstance(target, (str, os.PathLike)):
            target = _ZipTarget(open_temporary(os.fspath(target)))
            stack.callback(target.close)
        wb = (workbook_class or xlsxwriter.Workbook)(target, options)
        try:
            yield wb
            wb.close()
        except BaseException as exc:
            if isinstance(target, _ZipTarget):  # whatever failed, the zip's destructor must find nothing to finish
                target.failed = True
            cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise
        finally:
            wb.fileclosed = True  # a failed workbook's __del__ would otherwise write it again
            for ws in wb.worksheets():  # a sheet's part and its rows, still open after a failure
                for fh in (getattr(ws, "fh", None), getattr(ws, "row_data_fh", None)):
                    if fh is not None and hasattr(fh, "close"):
                        with contextlib.suppress(OSError, ValueError):
                            fh.close()
