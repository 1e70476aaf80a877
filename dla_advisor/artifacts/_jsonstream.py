"""Stream the elements of a JSON array (top level, or under a key of a top-level object).

trtexec's JSON exports are arrays of small records (``--exportProfile``, ``--exportTimes``) or an
object holding such arrays (``--exportLayerInfo``: ``Layers``, ``Bindings``). Decoding one record at
a time keeps memory bounded by the largest record, not the file.
"""

from __future__ import annotations

import json

from ..errors import ArtifactParseError

_WS = " \t\r\n"


def _json_int(text: str) -> int | float:
    """An integer as JSON wrote it; past 64 bits (no TensorRT count or time is) a float, ``inf`` if huge.

    A 400-digit integer would otherwise reach ``float()`` or ``math.isfinite`` as a Python int and raise
    OverflowError; as ``inf`` the readers' own "is not a number" check names the key and line.
    """
    return int(text) if len(text) <= 19 else float(text)


class JsonStream:
    """Incremental reader over a text file holding one JSON value."""

    def __init__(self, f, path: str, hint: str, chunk: int = 1 << 16, max_value: int = 64 << 20):
        self.f, self.path, self.hint = f, path, hint
        self.chunk, self.max_value = chunk, max_value
        self.buf, self.pos, self.eof, self.lines_before = "", 0, False, 0
        self._dec = json.JSONDecoder(parse_int=_json_int)

    def error(self, what: str) -> ArtifactParseError:
        line = self.lines_before + self.buf.count("\n", 0, self.pos) + 1
        return ArtifactParseError(f"{self.path}:{line}: {what}", self.hint, self.path, line)

    def _fill(self) -> bool:
        if self.eof:
            return False
        if self.pos > self.chunk:
            self.lines_before += self.buf.count("\n", 0, self.pos)
            self.buf, self.pos = self.buf[self.pos:], 0
        data = self.f.read(max(self.chunk, len(self.buf)))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        c = self.peek()
        if not c or c not in chars:
            raise self.error(f"expected {' or '.join(repr(x) for x in chars)}, found {c or 'end of file'!r}")
        self.pos += 1
        return c

    def value(self):
        self.peek()
        while True:
            try:
                val, end = self._dec.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if len(self.buf) - self.pos > self.max_value:
                    raise self.error("a JSON record is too large") from e
                if not self._fill():
                    raise self.error(f"invalid JSON ({e.msg})") from e
                continue
            except RecursionError as e:
                raise self.error("JSON nested too deeply") from e
            if end >= len(self.buf) and not self.eof and self._fill():
                continue  # a number may continue in the next chunk
            self.pos = end
            return val

    def array(self):
        """Yield the elements of the array starting here."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.expect(",]") == "]":
                return

    def object_items(self, stream_keys: tuple[str, ...]):
        """Yield (key, value) pairs; arrays under ``stream_keys`` are yielded element by element."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.error("expected a key")
            key = self.value()
            self.expect(":")
            if key in stream_keys and self.peek() == "[":
                for item in self.array():
                    yield key, item
            else:
                yield key, self.value()
            if self.expect(",}") == "}":
                return

    def end(self) -> None:
        if self.peek():
            raise self.error("unexpected data after the JSON value")
