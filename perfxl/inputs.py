"""Which files a command works on: files, folders (searched recursively) and glob patterns."""

from __future__ import annotations

import errno
import glob
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

from .load import DOCUMENT_SUFFIXES, TEXT_SUFFIXES, WORKBOOK_SUFFIXES

#: What a folder search picks up: forms, not perfxl's own JSON (named JSON files are read).
FOLDER_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES | DOCUMENT_SUFFIXES

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


def _walk(folder: str, real: str, shown: str, suffixes, out: list[tuple[str, str, str]], skipped: Inputs) -> None:
    """Append ``(path, resolved path, shown name)`` for every form under ``folder``, depth first, names sorted.

    Sorting each folder's names and descending into a subfolder at its place gives the order of
    ``sorted(Path(folder).rglob("*"))`` (paths compared part by part). Like ``rglob``, symbolic
    links to folders are not followed and folders that cannot be listed are skipped; hidden
    folders are not entered (their files would be skipped anyway). The ``DirEntry`` knows a file's
    kind without a ``stat`` (but for symbolic links), so a big folder costs one listing.

    Args:
        folder: the folder, as a path string.
        real: its resolved path (the files' keys are built from it, one name each).
        shown: its path relative to the folder the user named ("" for that folder itself).
        suffixes: which file endings to keep (lower case).
        out: where the triples go.
        skipped: counts the lock files and the files that are not forms.
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
            _walk(entry.path, os.path.join(real, name), os.path.join(shown, name), suffixes, out, skipped)
        elif name.startswith("~$"):
            skipped.locks.append(entry.path)
        elif _suffix(name).lower() in suffixes and _is_file(entry):
            out.append(
                (
                    entry.path,
                    os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, name),
                    os.path.join(shown, name),
                )
            )
        elif _is_file(entry):
            skipped.other += 1


@dataclass
class Inputs:
    """The files a command works on, and what was passed over on the way.

    Attributes:
        files: the files, in a stable order, each once (a named file that does not exist is kept,
            so that reading it can say so; it is also in ``missing``).
        shown: each file as a summary shows it, never this machine's absolute path: relative to
            the folder it was found in (or a glob's folder); a named file as typed, or, typed with
            an absolute path, relative to the folder all such files share.
        missing: what named no file, folder or glob match.
        locks: Excel's lock files (``~$名称.xlsx``) passed over, named or found.
        other: files in the folders searched that are not forms (.csv, .json, .png …).
    """

    files: list[Path] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)
    other: int = 0


def _glob_root(pattern: str) -> str:
    """The folder a glob pattern starts in: its parts before the first with a wildcard."""
    parts = Path(pattern).parts
    fixed = [p for p in itertools.takewhile(lambda part: not glob.has_magic(part), parts)]
    return os.path.join(*fixed) if fixed else ""


def list_inputs(items, suffixes=FOLDER_SUFFIXES) -> Inputs:
    """The input files named by ``items`` (files, folders searched recursively, glob patterns).

    Args:
        items: what the user named.
        suffixes: which file endings a folder search keeps.

    Returns:
        The files and how to show them, with what was passed over (see :class:`Inputs`). A named
        file is kept whatever its ending (reading it says what is wrong with it), but a lock file.
    """
    found = Inputs()
    seen: set[str] = set()  # resolved paths, as strings (cheaper to hash than Paths)
    folders: dict[str, str] = {}
    absolute: list[int] = []  # named files typed with an absolute path: shown once all are known

    def add(path: str, key: str, shown: str) -> None:
        if key not in seen:
            seen.add(key)
            found.files.append(Path(path))
            found.shown.append(shown)

    for item in items:
        item = os.fspath(item)
        path = Path(item)
        if path.is_dir():
            listed: list[tuple[str, str, str]] = []
            _walk(str(path), os.path.realpath(path), "", suffixes, listed, found)
            for child, key, shown in listed:
                add(child, key, shown)
        elif not path.exists() and glob.has_magic(item):
            root = _glob_root(item)
            prefix = os.path.join(root, "") if root else ""  # glob's matches start with the folder as typed
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                found.missing.append(item)
            for match in matches:
                candidate = str(Path(match))
                if os.path.basename(candidate).startswith("~$"):
                    found.locks.append(candidate)
                elif os.path.isfile(candidate) and not _skipped(os.path.basename(candidate)):
                    shown = (
                        candidate[len(prefix) :] if candidate.startswith(prefix) else os.path.relpath(candidate, root)
                    )
                    add(candidate, real_path(candidate, folders), shown)
        elif path.name.startswith("~$"):
            found.locks.append(item)
        else:
            if not path.exists() and not path.is_symlink():
                found.missing.append(item)
            before = len(found.files)
            add(str(path), real_path(str(path), folders), str(path))
            if len(found.files) > before and path.is_absolute():
                absolute.append(before)
    _relative_to_common(found.shown, absolute)
    if len(found.locks) > 1:  # a lock file named and found in its folder too is one
        unique: dict[str, str] = {}
        for lock in found.locks:
            unique.setdefault(os.path.realpath(lock), lock)
        found.locks = list(unique.values())
    return found


def _relative_to_common(shown: list[str], absolute: list[int]) -> None:
    """Show the absolute paths at ``absolute`` relative to the folder they share (in place)."""
    if not absolute:
        return
    try:
        common = os.path.commonpath({os.path.dirname(shown[i]) for i in absolute})  # each folder once
    except ValueError:  # different drives (Windows): each is shown by its name
        common = None
    prefix = os.path.join(common, "") if common else None  # the folder with its separator
    for i in absolute:
        path = shown[i]
        if prefix and path.startswith(prefix):  # the usual case, without relpath's two abspath calls
            shown[i] = path[len(prefix) :]
        else:
            shown[i] = os.path.relpath(path, common) if common else os.path.basename(path)


def expand_inputs(items, suffixes=FOLDER_SUFFIXES) -> list[Path]:
    """The input files named by ``items``, in a stable order, each once (see :func:`list_inputs`).

    Args:
        items: file paths, folders (searched recursively for readable files) or glob patterns.
        suffixes: which file endings a folder search keeps.

    Returns:
        The files. A named file is kept whatever its ending (so that reading it can say what is
        wrong with it); a name that matches nothing is kept too, and fails when read.
    """
    return list_inputs(items, suffixes).files


def shown_names(paths) -> list[str]:
    """How a summary shows ``paths`` given one by one (no folder to be relative to): as typed,
    or relative to the folder the absolute ones share (see :class:`Inputs`)."""
    shown = [os.fspath(p) for p in paths]
    _relative_to_common(shown, [i for i, p in enumerate(shown) if os.path.isabs(p)])
    return shown
