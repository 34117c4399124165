"""Text for a terminal: what a form holds is shown, never obeyed.

A cell can hold control characters (``_x001B_`` is ESC in SpreadsheetML): printed raw, ESC
sequences move the cursor, clear the screen or recolour text, CR returns to the start of the line
and overwrites it, BEL rings, and the bidi overrides (U+202E) reorder what follows, so a form could
hide its own findings in ``perfxl check``. :func:`visible` writes each such character as its
escape (``\\x1b``, ``\\r``, ``\\u202e``). JSON output needs none of it: JSON escapes control
characters itself (:func:`json_text` takes care of lone surrogates, which no UTF-8 output can
hold).
"""

from __future__ import annotations

import json
import re

#: C0 and C1 controls, DEL, the bidi marks, embeddings, overrides and isolates, the line and
#: paragraph separators, and lone surrogates (which cannot be written in UTF-8 at all).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """``text`` with every control, bidi or line-breaking character written as its escape.

    One line in, one line out: a newline inside a field shows as ``\\n`` and cannot make a line of
    its own (a forged finding).
    """
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(_escape, text)


def _surrogate(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def writable(value):
    """``value`` — text, or lists, tuples and dicts of it — with each lone surrogate written as its
    escape (``\\udc80``): a file name that is not UTF-8, ``\\ud800`` in JSON or ``&#xD800;`` in XML
    give one, and no UTF-8 file (a workbook, a CSV) can hold it. The value itself when it has none."""
    if type(value) is str:
        return _SURROGATE.sub(_surrogate, value) if _SURROGATE.search(value) else value
    if isinstance(value, (list, tuple, dict)) and _has_surrogate(value):
        if isinstance(value, dict):
            return {writable(k): writable(v) for k, v in value.items()}
        return type(value)(writable(v) for v in value)
    return value


def _has_surrogate(value) -> bool:
    texts: list[str] = []

    def collect(v):
        if type(v) is str:
            texts.append(v)
        elif isinstance(v, (list, tuple)):
            for x in v:
                collect(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                collect(k)
                collect(x)

    collect(value)
    return _SURROGATE.search("".join(texts)) is not None


def json_text(data, **options) -> str:
    """``json.dumps(data, ensure_ascii=False, **options)``, with lone surrogates as ``\\udXXX``
    escapes (valid JSON, read back as they were) instead of characters no UTF-8 output can write."""
    text = json.dumps(data, ensure_ascii=False, **options)
    return _SURROGATE.sub(_surrogate, text) if _SURROGATE.search(text) else text
