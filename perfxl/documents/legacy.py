"""Old binary Word and WPS 文字 documents (.doc, .wps): converted to .docx by LibreOffice when it is
installed, else refused with one line saying to save the file as .docx.

The conversion works on a copy in a private temporary folder (LibreOffice writes a lock file beside
what it opens, and perfxl never writes beside an input), with a profile of its own (so it neither
waits for nor disturbs a LibreOffice the user has open), and is killed past ``Limits.seconds``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .base import DocumentRows, Limits, Unreadable

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS = "请在 Word 或 WPS 中另存为 .docx 后再提交（或安装 LibreOffice，perfxl 会自动转换）"


def soffice() -> str | None:
    """LibreOffice's command, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def legacy_rows(data: bytes, suffix: str, limits: Limits) -> DocumentRows:
    """The rows of a .doc or .wps, through LibreOffice's conversion to .docx."""
    from .docx import docx_rows

    if data.startswith(b"PK"):  # a .docx saved under the old ending
        return docx_rows(data, limits)
    if not data.startswith(OLE2_MAGIC):
        raise Unreadable(f"不是有效的 Word/WPS 文档（{suffix}）")
    command = soffice()
    if command is None:
        raise Unreadable(f"是旧版 Word/WPS 文档（{suffix}），perfxl 不直接读取：{_SAVE_AS}")
    return docx_rows(_converted(command, data, limits), limits)


def _converted(command: str, data: bytes, limits: Limits) -> bytes:
    """The .docx LibreOffice makes of the document's bytes."""
    with tempfile.TemporaryDirectory(prefix="perfxl-doc-") as folder:  # made 0700
        work = Path(folder)
        source = work / "文档.doc"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        args = [
            command,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=work,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: soffice.bin goes with it
            proc.wait()
            raise Unreadable(f"LibreOffice 转换超过 {limits.seconds:g} 秒，未读取；{_SAVE_AS}") from None
        result = work / "out" / "文档.docx"
        if not result.is_file():
            raise Unreadable(f"LibreOffice 无法转换此文档（可能已损坏或加密）；{_SAVE_AS}")
        return result.read_bytes()
