"""Reading a file's bytes and a workbook's zip safely: regular files only, bounded reads, no zip bomb.

- files larger than :data:`MAX_FILE_BYTES` are not read, nor anything but a regular file (a FIFO
  would wait forever, /dev/zero never ends);
- a workbook whose parts would inflate to more than :data:`MAX_UNZIPPED_BYTES` (a zip bomb) is not
  opened, and no part is inflated past the size its zip header states (a bomb that hides its size),
  nor an XML part past :data:`MAX_PART_BYTES`.

Two zip readers share :func:`read_part`: :class:`QuickZip` (the central directory of a plain zip
read straight from the bytes) and :class:`WorkbookZip` (``zipfile`` for any other zip).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

from .grid import ReadError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: One XML part, inflated: reading one costs three to five times its size (its bytes, its text,
#: what is matched in it), and a form's parts are a few KB.
MAX_PART_BYTES = 64 * 1024 * 1024


class BrokenPart(ValueError):
    """A part that is not read (too large, or one python-calamine must not be given), with the
    reason in one Chinese line."""


class WorkbookZip(zipfile.ZipFile):
    """A workbook's zip read from its bytes in memory, each part inflated at most once.

    Several scans read the same parts (workbook.xml, its relations, each sheet): the file is read
    from disk once and every part is inflated once (see :func:`read_part`).

    Attributes:
        parts: part name → its content, for the parts read so far.
    """

    def __init__(self, data: bytes, parts: dict[str, bytes] | None = None):
        super().__init__(io.BytesIO(data))
        self.data = data
        self.parts: dict[str, bytes] = {} if parts is None else parts

    def inflate(self, info: zipfile.ZipInfo) -> bytes | None:
        """See :func:`inflate`."""
        return inflate(self.data, info)


def inflate(data: bytes, info) -> bytes | None:
    """A stored or deflated part straight from the bytes, bounded by its declared size, or None
    when that cannot be vouched for (then ``ZipFile.open`` reads it, and raises its own errors).

    ``ZipFile.open`` does much per part in Python; this is one zlib call and a CRC check,
    and returns exactly what ``ZipFile.open(info).read(info.file_size)`` returns when that
    succeeds: the first ``file_size`` bytes, which must have the declared CRC.
    """
    at = info.header_offset
    head = data[at : at + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:  # encrypted
        return None
    name_end = at + 30 + int.from_bytes(head[26:28], "little")
    try:  # ZipFile.open refuses a local header naming another file: leave that case to it
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    except UnicodeEncodeError:
        return None
    if data[at + 30 : name_end] != name:
        return None
    start = name_end + int.from_bytes(head[28:30], "little")
    raw = data[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw[: info.file_size]
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size)
        except zlib.error:
            return None
    else:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


class Member(NamedTuple):
    """What :func:`inflate` needs of a zip member (the names are ``zipfile.ZipInfo``'s)."""

    orig_filename: str
    header_offset: int
    flag_bits: int
    compress_type: int
    compress_size: int
    file_size: int
    CRC: int


_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory header, 46 bytes
_END = struct.Struct("<4s4H2LH")  # the end of central directory record, 22 bytes


class QuickZip:
    """The members of a plain zip read from its central directory in the bytes in hand.

    ``zipfile.ZipFile`` makes a ``ZipInfo`` per member in Python; a workbook
    that perfxl reads itself (:mod:`perfxl.load.fast`) needs only where each member lies. Anything but
    the plain layout every spreadsheet writer produces (an archive comment, zip64, a member needing
    a newer zip version, data before the zip) makes :meth:`parse` return None, and ``ZipFile``
    reads it.

    Attributes:
        data: the file's bytes.
        members: member name → where it lies (the last of two with one name, as ``ZipFile`` keeps).
        parts: part name → its content, for the parts read so far.
    """

    def __init__(self, data: bytes, members: dict[str, Member]):
        self.data = data
        self.members = members
        self.parts: dict[str, bytes] = {}

    @classmethod
    def parse(cls, data: bytes) -> QuickZip | None:
        """The zip's members, or None when its layout is not the plain one."""
        if len(data) < _END.size:
            return None
        sig, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment = _END.unpack_from(data, len(data) - _END.size)
        if (
            sig != b"PK\x05\x06"
            or disk
            or cd_disk
            or on_disk != total
            or comment
            or cd_offset + cd_size != len(data) - _END.size
        ):
            return None
        members: dict[str, Member] = {}
        at = cd_offset
        for _ in range(total):
            if at + _CENTRAL.size > len(data):
                return None
            (
                sig,
                _made_by,
                needed,
                flags,
                method,
                _time,
                _date,
                crc,
                packed,
                size,
                name_len,
                extra_len,
                comment_len,
                _disk,
                _internal,
                _external,
                offset,
            ) = _CENTRAL.unpack_from(data, at)
            if sig != b"PK\x01\x02" or needed > zipfile.MAX_EXTRACT_VERSION or 0xFFFFFFFF in (packed, size, offset):
                return None
            raw_name = data[at + _CENTRAL.size : at + _CENTRAL.size + name_len]
            try:
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            except UnicodeDecodeError:
                return None
            if "\0" in name:  # ZipFile cuts such a name: leave it to ZipFile
                return None
            members[name] = Member(name, offset, flags, method, packed, size, crc)
            at += _CENTRAL.size + name_len + extra_len + comment_len
        if at != cd_offset + cd_size:
            return None
        return cls(data, members)

    def namelist(self) -> list[str]:
        return list(self.members)

    def getinfo(self, name: str) -> Member:
        return self.members[name]

    def inflate(self, info: Member) -> bytes | None:
        """See :func:`inflate`."""
        return inflate(self.data, info)

    def unzipped_size(self) -> int:
        return sum(member.file_size for member in self.members.values())


def not_regular(mode: int) -> str:
    """Why a file that is not a regular file is not read, in Chinese (``mode``: its ``st_mode``)."""
    if stat.S_ISDIR(mode):
        return "是文件夹，不是文件"
    if stat.S_ISFIFO(mode):
        return "是命名管道（FIFO），不是普通文件，未读取"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是设备文件，不是普通文件，未读取"
    return "不是普通文件，未读取"


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit`` + 1 of them.

    Opened without waiting (a FIFO would wait for a writer forever) and refused unless it is a
    regular file once open (/dev/zero never ends; the name may have been swapped since a stat).

    Raises:
        ReadError: not a regular file.
        OSError: it cannot be opened or read.
    """
    # os.read, not open(): a buffered file object costs more to make than reading a form does
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(path, not_regular(st.st_mode))
        # read(n) allocates n bytes first: ask for the file's size, not the 50 MB limit
        want = min(st.st_size, limit) + 1
        chunks = []
        while want > 0:  # as a file object's read(n): until n bytes or the end of the file
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes (see :func:`read_bytes`), refused past ``limit`` bytes.

    Raises:
        ReadError: not a regular file, larger than ``limit``, or it cannot be read.
    """
    try:
        data = read_bytes(path, limit)
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    if len(data) > limit:
        raise ReadError(path, f"文件超过 {limit / (1024 * 1024):g} MB，未读取")
    return data


def open_zip(path: Path, data: bytes | None = None, parts: dict[str, bytes] | None = None) -> WorkbookZip | None:
    """Open an OOXML/ODS zip and refuse zip bombs; None when the file is not a zip at all.

    Args:
        path: the file.
        data: its bytes, when read already.
        parts: parts inflated already (by a :class:`QuickZip` of the same bytes).
    """
    if data is None:
        data = read_bytes(path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None
    try:
        zf = WorkbookZip(data, parts)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: zipfile's word for a header it cannot read ("zip file version 6.4")
        raise ReadError(path, f"文件已损坏，无法解压（{exc}）") from exc
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        zf.close()
        raise ReadError(path, f"文件解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB，疑似压缩炸弹，未读取")
    return zf


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part of a zip, never inflated past the size its header declares.

    ``ZipFile.read`` inflates a member whole before it checks the CRC, so a zip bomb whose headers
    understate its size (which :func:`open_zip` trusts) would inflate to gigabytes; read this way
    it stops at the declared size and fails the CRC check (``BadZipFile``).
    """
    parts = getattr(zf, "parts", None)
    if parts is not None and name in parts:
        return parts[name]
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES and name.endswith((".xml", ".rels")):
        raise BrokenPart(f"{name} 解压后超过 {MAX_PART_BYTES // (1024 * 1024)} MB，未读取")
    data = zf.inflate(info) if isinstance(zf, (WorkbookZip, QuickZip)) else None
    if data is None and isinstance(zf, QuickZip):
        raise zipfile.BadZipFile(f"{name}: cannot be inflated as its header says")  # ZipFile will say why
    if data is None:
        try:
            with zf.open(info) as fh:
                data = fh.read(info.file_size)
        except (NotImplementedError, RuntimeError, EOFError) as exc:
            # zipfile's words for a damaged header: "zip file version 6.4", "strong encryption",
            # "password required"; EOFError for deflated data cut short. To a caller that is a
            # broken file like any other.
            raise zipfile.BadZipFile(str(exc)) from exc
    if parts is not None:
        parts[name] = data
    return data


def rezipped(zf: zipfile.ZipFile, parts: dict[str, bytes]):
    """An in-memory copy of the workbook with some parts replaced (sheets cut to the limits), for
    python-calamine to open."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, parts.get(info.filename) or read_part(zf, info.filename))
    buf.seek(0)
    return buf
