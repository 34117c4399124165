"""Listing the inputs (perfxl.inputs): os.scandir finds what ``sorted(Path.rglob("*"))`` found, in
that order, with the same skips (hidden, ``~$`` lock files, links to folders), and "is the output one
of the inputs" resolves only the paths that can be the output."""

from pathlib import Path

import pytest

from perfxl.inputs import FOLDER_SUFFIXES, expand_inputs, is_one_of


def _plain_expand(items):
    """What expand_inputs did before it used os.scandir: rglob, is_file and resolve per file."""
    out, seen = [], set()

    def add(path):
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)

    for item in items:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in FOLDER_SUFFIXES
                    and not any(part.startswith(".") for part in child.relative_to(path).parts)
                    and not child.name.startswith(("~$", "."))
                ):
                    add(child)
        else:
            add(path)
    return out


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Names that sort differently as strings and as path parts (a/… against a-b), hidden and lock
    files, a hidden folder, a folder named like a lock file, a folder named like a form, symbolic
    links to a file, to a folder and to nothing."""
    for name in (
        "a/1.xlsx",
        "a/b/2.XLSX",
        "a/b/skip.xlsx.bak",
        "a-b/3.xls",
        "a.xlsx",
        "a0/4.txt",
        "sub/6.json",
        ".hid/5.xlsx",
        "sub/.h/7.xlsx",
        "~$a.xlsx",
        ".h.xlsx",
        "~$d/8.ods",
        "深 层/x/9.xlsm",
        "无扩展名",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (tmp_path / "d.xlsx").mkdir()
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "a" / "1.xlsx")
    (tmp_path / "dirlink").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "broken.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "items",
    [
        ["."],
        ["a"],
        ["a/"],
        ["dirlink"],
        ["~$d"],
        [".hid"],
        ["a", "a/1.xlsx", "link.xlsx"],
        ["link.xlsx", "a"],
        ["a/1.xlsx", "./a/1.xlsx", "a/../a/1.xlsx", "dirlink/1.xlsx"],
        ["missing.xlsx"],
        ["broken.xlsx", "."],
    ],
)
def test_folder_listing_is_rglobs(tree, items):
    assert expand_inputs(items) == _plain_expand(items)
    assert expand_inputs([tree]) == _plain_expand([tree])


def test_folder_listing_order_and_skips(tree):
    names = [str(p) for p in expand_inputs(["."])]
    # link.xlsx is a/1.xlsx again: kept once; a/b/ sorts before a-b/ ("a" < "a-b", not "/" > "-")
    assert names == ["a/1.xlsx", "a/b/2.XLSX", "a-b/3.xls", "a.xlsx", "a0/4.txt", "~$d/8.ods", "深 层/x/9.xlsm"]


@pytest.mark.parametrize(
    ("output", "inputs", "same"),
    [
        ("a/1.xlsx", ["a/1.xlsx"], True),
        ("a/../a/1.xlsx", ["a/1.xlsx"], True),
        ("dirlink/1.xlsx", ["a/1.xlsx"], True),
        ("link.xlsx", ["a/1.xlsx"], True),  # the output is a link to an input
        ("a/1.xlsx", ["link.xlsx"], True),  # an input is a link to the output
        ("missing.xlsx", ["missing.xlsx"], True),  # neither exists: still the same path
        ("nowhere.xlsx", ["broken.xlsx"], True),  # a broken link to the output's path
        ("a/2.xlsx", ["a/1.xlsx", "link.xlsx", "a"], False),
        ("out.xlsx", ["."], False),
    ],
)
def test_output_among_inputs(tree, output, inputs, same):
    paths = [p for item in inputs for p in expand_inputs([item])]
    assert is_one_of(Path(output), paths) is same
    assert is_one_of(output, [str(p) for p in paths]) is same
    plain = Path(output).resolve()
    assert any(Path(p).resolve() == plain for p in paths) is same


def test_a_symlink_loop_is_an_input_that_fails_when_read(tree):
    # Path.resolve raised RuntimeError on it (a traceback); now it is kept, and read as unreadable.
    (tree / "loop.xlsx").symlink_to(tree / "loop.xlsx")
    assert expand_inputs(["loop.xlsx", "."])[0] == Path("loop.xlsx")
    assert Path("loop.xlsx") not in expand_inputs(["."])  # a folder search skips it, as before
    assert not is_one_of("out.xlsx", [Path("loop.xlsx")])
