"""Which files a command works on: files, folders (searched recursively) and glob patterns."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from .sources import TEXT_SUFFIXES, WORKBOOK_SUFFIXES

#: What a folder search picks up: forms, not perfxl's own JSON (named JSON files are read).
FOLDER_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES


def _skipped(path: Path) -> bool:
    """Excel's lock files (~$名称.xlsx) and hidden files are never inputs."""
    return path.name.startswith(("~$", "."))


def resolved(path: Path, folders: dict[str, Path]) -> Path:
    """``path.resolve()``, with the folder part resolved once per folder (``folders`` remembers).

    Resolving costs a system call per path component; over thousands of files in a few folders
    that was a second of a consolidation's start. A path whose last part is a symbolic link, ``..``
    or ``.`` is resolved whole, so the answer is always ``path.resolve()``'s.

    Args:
        path: the path.
        folders: the resolved folders so far, keyed by ``os.path.dirname(path)`` (a string: it
            stands for ``path.parent`` one to one, and costs no Path to make and hash).

    Returns:
        The resolved path.
    """
    name = path.name
    if name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    parent = os.path.dirname(path)
    real = folders.get(parent)
    if real is None:
        real = folders[parent] = path.parent.resolve()
    return real / name


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
    seen: set[Path] = set()
    folders: dict[str, Path] = {}

    def add(path: Path) -> None:
        key = resolved(path, folders)
        if key not in seen:
            seen.add(key)
            out.append(path)

    for item in items:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in suffixes and not any(
                    part.startswith(".") for part in child.relative_to(path).parts
                ) and not _skipped(child):
                    add(child)
        elif not path.exists() and glob.has_magic(str(item)):
            for match in sorted(glob.glob(str(item), recursive=True)):
                candidate = Path(match)
                if candidate.is_file() and not _skipped(candidate):
                    add(candidate)
        else:
            add(path)
    return out
