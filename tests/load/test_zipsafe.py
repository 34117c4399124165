"""Reading a workbook's zip (perfxl.load.zipsafe): the quick ways give what zipfile gives, parts
inflated straight from the bytes and the central directory read without ZipFile."""

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfxl.load.zipsafe import QuickZip, WorkbookZip, read_part

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted(ROOT.joinpath("examples", "forms").glob("*.xlsx"))


def test_parts_inflated_as_zipfile_reads_them():
    for path in SEEDS:
        zf = WorkbookZip(path.read_bytes())
        for info in zf.infolist():
            with zf.open(info) as fh:
                assert zf.inflate(info) == fh.read(info.file_size)


def test_a_damaged_part_is_left_to_zipfile(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook>" + b"x" * 5000 + b"</workbook>")
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/workbook.xml")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # inside the deflated data
    zf = WorkbookZip(bytes(data))
    assert zf.inflate(zf.getinfo("xl/workbook.xml")) is None
    with pytest.raises((zipfile.BadZipFile, Exception)):
        read_part(zf, "xl/workbook.xml")


# --------------------------------------------------------------------------------- the quick zip


def _members_by_zipfile(data: bytes):
    """name → (name, offset, flags, method, packed size, size, CRC) as zipfile reads them, or the
    exception it raises."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:
        return type(exc).__name__
    return {
        name: (i.orig_filename, i.header_offset, i.flag_bits, i.compress_type, i.compress_size, i.file_size, i.CRC)
        for name, i in zf.NameToInfo.items()
    }


_ZIPS = [p.read_bytes() for p in SEEDS] + [p.read_bytes() for p in sorted(ROOT.joinpath("templates").glob("*.xlsx"))]


@pytest.mark.parametrize("data", _ZIPS, ids=lambda d: str(len(d)))
def test_quick_zip_reads_every_bundled_workbook_as_zipfile_does(data):
    quick = QuickZip.parse(data)
    assert quick is not None
    assert {n: tuple(m) for n, m in quick.members.items()} == _members_by_zipfile(data)


@settings(deadline=None)
@given(
    st.sampled_from(range(len(_ZIPS))),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=3),
    st.booleans(),
)
def test_a_damaged_zip_is_read_quickly_only_when_zipfile_reads_it_the_same(which, changes, near_end):
    """Bytes changed anywhere (mostly in the central directory at the end): the quick reader
    either declines (ZipFile then reads the file and says what is wrong) or finds exactly the
    members zipfile finds."""
    data = bytearray(_ZIPS[which])
    for where, byte in changes:
        first = max(0, len(data) - 1200) if near_end else 0
        data[first + int(where * (len(data) - first - 1))] = byte
    quick = QuickZip.parse(bytes(data))
    if quick is not None:
        assert {n: tuple(m) for n, m in quick.members.items()} == _members_by_zipfile(bytes(data))
