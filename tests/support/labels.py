"""The reader's labels as one regex, the full matcher its lookup tables are checked against.

perfxl's reader tries a text only against the labels its first characters allow
(``perfxl.read.cells.SPECS_BY_HEAD``, ``PLAIN_LABELS``); the tests check those tables against this
regex, which tries every label at once, one group per ``LabelSpec`` in ``LABELS`` order.
"""

import re

from perfxl.read.cells import LABELS

ANY_LABEL_RE = re.compile(r"^\s*(?:" + "|".join("(" + s.regex.pattern[len(r"^\s*") :] + ")" for s in LABELS) + ")")
