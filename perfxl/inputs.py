"""Which files a command works on: files, folders (searched recursively) and glob patterns."""

from __future__ import annotations

import errno
import glob
import os
from pathlib import Path

from .sources import TEXT_SUFFIXES, WORKBOOK_SUFFIXES

#: What a folder search picks up: forms, not perfxl's own JSON (named JSON files are read).
FOLDER_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES

#: Errors that mean "not a file" rather than a failure (the ones ``Path.is_file`` ignores).
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _skipped(name: str) -> bool:
    """Excel's lock files (~$名称.xlsx) and hidden files are never inputs."""
    return name.startswith(("~$", "."))


def _suffix(name: str) -> str:
    """``Path(name).suffix`` without making a Path: from the last dot, unless it starts or ends the name."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def real_path(path: str, folders: dict[str, str]) -> str:
    """``os.path.realpath(path)``, with the folder part resolved once per folder (``folders`` remembers).

    Resolving costs a system call per path component; over thousands of files in a few folders
    that was a second of a consolidation's start. A path whose last part is a symbolic link, ``..``
    or ``.`` is resolved whole, so the answer is always ``os.path.realpath``'s.

    Args:
        path: the path, as a string in any spelling (a normalised one, ``str(Path(...))``, shares
            the folder entries best).
        folders: the resolved folders so far, keyed by ``os.path.dirname(path)``.

    Returns:
        The resolved path, a string.
    """
    name = os.path.basename(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    parent = os.path.dirname(path)
    real = folders.get(parent)
    if real is None:
        real = folders[parent] = os.path.realpath(parent or os.curdir)
    return os.path.join(real, name)


def is_one_of(output, paths) -> bool:
    """Whether ``output`` is the same file as one of ``paths`` once symbolic links, ``..`` and
    relative paths are resolved (whether or not the files exist).

    Only a path that can resolve to the output is resolved: one with the output's resolved name,
    or whose last part is a symbolic link, ``.`` or ``..`` (any other path resolves to its folder's
    real path plus its own name). So 10,000 inputs cost one ``lstat`` each, not a resolution each.

    Args:
        output: the output path.
        paths: the input paths (strings or path-like objects, in any spelling).

    Returns:
        True when the output would overwrite an input.
    """
    target = os.path.realpath(output)
    name = os.path.basename(target)
    folders: dict[str, str] = {}
    for path in paths:
        path = os.fspath(path)
        base = os.path.basename(path)
        if (base == name or base in ("", ".", "..") or os.path.islink(path)) and real_path(path, folders) == target:
            return True
    return False


def _is_file(entry: os.DirEntry) -> bool:
    """``entry.is_file()`` (following a symbolic link), False where ``Path.is_file`` says False."""
    try:
        return entry.is_file()
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            return False
        raise


def _walk(folder: str, real: str, suffixes, out: list[tuple[str, str]]) -> None:
    """Append ``(path, resolved path)`` for every form under ``folder``, depth first, names sorted.

    Sorting each folder's names and descending into a subfolder at its place gives the order of
    ``sorted(Path(folder).rglob("*"))`` (paths compared part by part). Like ``rglob``, symbolic
    links to folders are not followed and folders that cannot be listed are skipped; hidden
    folders are not entered (their files would be skipped anyway). The ``DirEntry`` knows a file's
    kind without a ``stat`` (but for symbolic links), so a big folder costs one listing.

    Args:
        folder: the folder, as a path string.
        real: its resolved path (the files' keys are built from it, one name each).
        suffixes: which file endings to keep (lower case).
        out: where the pairs go.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NOT_THERE:
                raise
            is_dir = False
        if is_dir:
            _walk(entry.path, os.path.join(real, name), suffixes, out)
        elif not name.startswith("~$") and _suffix(name).lower() in suffixes and _is_file(entry):
            out.append((entry.path, os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, name)))


def expand_inputs(items, suffixes=FOLDER_SUFFIXES) -> list[Path]:
    """The input files named by ``items``, in a stable order, each once.

    Args:
        items: file paths, folders (searched recursively for readable files) or glob patterns.
        suffixes: which file endings a folder search keeps.

    Returns:
        The files. A named file is kept whatever its ending (so that reading it can say what is
        wrong with it); a name that matches nothing is kept too, and fails when read.
    """
    out: list[Path] = []
    seen: set[str] = set()  # resolved paths, as strings (cheaper to hash than Paths)
    folders: dict[str, str] = {}

    def add(path: str, key: str) -> None:
        if key not in seen:
            seen.add(key)
            out.append(Path(path))

    for item in items:
        path = Path(item)
        if path.is_dir():
            found: list[tuple[str, str]] = []
            _walk(str(path), os.path.realpath(path), suffixes, found)
            for child, key in found:
                add(child, key)
        elif not path.exists() and glob.has_magic(str(item)):
            for match in sorted(glob.glob(str(item), recursive=True)):
                candidate = str(Path(match))
                if os.path.isfile(candidate) and not _skipped(os.path.basename(candidate)):
                    add(candidate, real_path(candidate, folders))
        else:
            add(str(path), real_path(str(path), folders))
    return out
