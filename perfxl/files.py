"""Writing output files safely: never over an input, never half a file, never over a file unasked.

Every workbook perfxl writes (templates, summaries, configuration) goes through
:func:`atomic_output`: the content is written to a temporary file in the target's own folder and
renamed over the target only when complete, so a crash or a full disk leaves the old file (or
nothing) in place, never a truncated workbook.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


class OutputError(ValueError):
    """An output that must not or cannot be written, with the reason in one Chinese line."""


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


def check_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse, before any work is done, an output that would overwrite something it must not.

    Args:
        path: the file to be written.
        force: an existing file may be replaced.
        inputs: files being read: the output may never be one of them.

    Returns:
        The path.

    Raises:
        OutputError: the output is an input, is a folder, exists (without ``force``), or its
            folder does not exist or cannot be written.
    """
    path = Path(path)
    key = path.resolve()
    if any(Path(p).resolve() == key for p in inputs):
        raise OutputError(f"{path}: 输出文件也是输入文件之一，拒绝覆盖")
    if path.is_dir():
        raise OutputError(f"{path}: 是文件夹，不是文件")
    if path.exists() and not force:
        raise OutputError(f"{path}: 文件已存在，未覆盖（需要覆盖请加 --force）")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: 文件夹 {folder} 不存在")
    # Try it: permission bits say nothing for root or on read-only and special file systems.
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{path}: 文件夹 {folder} 无法写入（{exc.strerror or exc}）") from exc
    return path


@contextlib.contextmanager
def atomic_output(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[str]:
    """A temporary path to write to; on success it replaces ``path``, on failure it is removed.

    Args:
        path: the final file.
        force: an existing file may be replaced.
        inputs: files being read (never overwritten).

    Yields:
        The temporary file's path (in the same folder, so the rename is atomic).

    Raises:
        OutputError: see :func:`check_output`; also when ``path`` appears meanwhile (without ``force``).
    """
    path = check_output(path, force=force, inputs=inputs)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        if path.exists() and not force:
            raise OutputError(f"{path}: 文件已存在，未覆盖（需要覆盖请加 --force）")
        # mkstemp makes the file private (0600); a written workbook gets the user's usual mode.
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
