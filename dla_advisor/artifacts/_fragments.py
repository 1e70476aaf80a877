"""Read JSON records out of a paste: rows without their outer ``[...]``, a cut last row, ``...`` lines.

Users paste a few rows of an ``--exportProfile`` (``{ "name" : ..., "averageMs" : ... }`` records,
each line starting with ``,``) or of an ``--exportLayerInfo`` (``{"Name": ..., "LayerType": ...}``)
into an issue. A strict JSON parser refuses all of it; here every complete record is kept, and the
reader says what it skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MAX_PASTE = 64 << 20


@dataclass
class Fragments:
    records: list = field(default_factory=list)
    cut_tail: bool = False  # the text ended inside a record
    skipped: int = 0  # stretches of text that were no JSON record (elisions, prose)


def read_records(text: str) -> Fragments:
    """Every complete JSON object in ``text``, in order, with the separators between them ignored."""
    dec = json.JSONDecoder()
    out = Fragments()
    i, n = 0, len(text)
    while i < n:
        j = text.find("{", i)
        if j < 0:
            break
        if text[i:j].strip(" \t\r\n,[]"):
            out.skipped += 1
        try:
            val, end = dec.raw_decode(text, j)
        except json.JSONDecodeError:
            # Either the paste ends inside this record, or this brace opens no record (prose, a cut row):
            # go on from the next line.
            nl = text.find("\n", j)
            if nl < 0 or not text[nl:].strip(" \t\r\n,]"):
                out.cut_tail = True
                break
            out.skipped += 1
            i = nl + 1
            continue
        if isinstance(val, dict):
            out.records.append(val)
        i = end
    return out


def read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(MAX_PASTE)
