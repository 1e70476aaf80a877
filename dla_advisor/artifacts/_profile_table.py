"""trtexec's ``--dumpProfile`` table, in both column layouts.

Old (to TensorRT 8.6; the Median column appeared in 8.5): the name comes first, right-aligned::

    Layer   Time (ms)   Avg. Time (ms)   Median Time (ms)   Time %

New (TensorRT 10): the name comes last::

    Time(ms)     Avg.(ms)   Median(ms)   Time(%)   Layer

The header fixes how many numbers a row has, so a name that ends in a number ("prob input
reformatter 0") is not mistaken for a column. A paste may start below the header: two consecutive
lines shaped like rows (times, then a percentage of at most 100) open a table without one.
"""

from __future__ import annotations

import re

from ._observation import Observation, ProfileRow

_PROFILE_HEADER = re.compile(r"^=== Profile \((\d+) iterations ?\) ===")
_OLD_HEADER = re.compile(r"^Layer\s+Time \(ms\)\s+Avg\. Time \(ms\)(\s+Median Time \(ms\))?\s+Time %$")
_NEW_HEADER = re.compile(r"^Time\(ms\)\s+Avg\.\(ms\)\s+(Median\(ms\)\s+)?Time\(%\)\s+Layer$")
_NUM = r"([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?\d+)?)"
_OLD3 = re.compile(rf"^(?P<name>.+?)\s+{_NUM}\s+{_NUM}\s+{_NUM}$")
_OLD4 = re.compile(rf"^(?P<name>.+?)\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}$")
_NEW3 = re.compile(rf"^{_NUM}\s+{_NUM}\s+{_NUM}\s+(?P<name>.+)$")
_NEW4 = re.compile(rf"^{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+(?P<name>.+)$")


# Row shapes tried when no header was pasted, most specific first: (regex, name last, has median).
_HEADERLESS = ((_OLD4, False, True), (_NEW4, True, True), (_OLD3, False, False), (_NEW3, True, False))


class ProfileTableParser:
    """Feeds on messages (prefix stripped); appends rows to ``obs.profile``."""

    def __init__(self, obs: Observation):
        self.obs = obs
        self._row: re.Pattern | None = None
        self._name_last = False
        self._has_median = False
        self._candidate: tuple | None = None  # (shape, match) of a row-like line seen without a header
        self._grace = False  # one line that is no row (a row cut mid-line) does not end the table yet
        self._grace_text = ""

    @property
    def active(self) -> bool:
        return self._row is not None

    def feed(self, msg: str) -> bool:
        """Consume one message; True where it belonged to a profile table."""
        text = msg.strip()
        if self._row is not None:
            m = self._row.match(text)
            if m:
                if self._grace:
                    self.obs.note(f"{self.obs.path}: a --dumpProfile row was cut mid-line and is not counted.")
                self._grace = False
                self._add(m)
                return True
            if self._grace and text == self._grace_text:
                return False  # the same line offered again by the log scanner's later parsers
            if not self._grace and text and not text.startswith(("=", "&")):
                # Maybe a row cut mid-line: let the other parsers see it, and keep the table open for one more line.
                self._grace, self._grace_text = True, text
                return False
            self._row, self._grace = None, False
        m = _PROFILE_HEADER.match(text)
        if m:
            self.obs.profile_iterations = int(m.group(1))
            return True
        m = _OLD_HEADER.match(text)
        if m:
            self._has_median, self._name_last = bool(m.group(1)), False
            self._row = _OLD4 if self._has_median else _OLD3
            return True
        m = _NEW_HEADER.match(text)
        if m:
            self._has_median, self._name_last = bool(m.group(1)), True
            self._row = _NEW4 if self._has_median else _NEW3
            return True
        return self._headerless(text)

    def _headerless(self, text: str) -> bool:
        shape = next(((sh, m) for sh in _HEADERLESS for m in [sh[0].match(text)] if m and _plausible(m, sh[1])), None)
        if shape is None:
            self._candidate = None
            return False
        prev, self._candidate = self._candidate, shape
        if prev is None or prev[0] is not shape[0]:
            return False
        (rx, self._name_last, self._has_median), _ = shape
        self._row, self._candidate = rx, None
        self.obs.note(f"{self.obs.path}: profile rows without their table header were read as a --dumpProfile table.")
        self._add(prev[1])
        self._add(shape[1])
        return True

    def _add(self, m: re.Match) -> None:
        groups = m.groups()
        nums = [float(g) for g in (groups[:-1] if self._name_last else groups[1:])]
        name = m.group("name").strip()
        if self._has_median:
            total, avg, median, pct = nums[:4]
        else:
            (total, avg, pct), median = nums[:3], None
        if name == "Total":
            return
        self.obs.profile.append(ProfileRow(name, avg, total, median, pct))


def _plausible(m: re.Match, name_last: bool) -> bool:
    """A row: total time >= average time, and a last (or fourth) column that is a percentage."""
    nums = [float(g) for g in (m.groups()[:-1] if name_last else m.groups()[1:])]
    name = m.group("name").strip()
    if not name or name[0].isdigit() and not name_last:
        return False
    return nums[0] >= nums[1] and 0.0 <= nums[-1] <= 100.0


def looks_like_row(text: str) -> bool:
    """True where ``text`` has the shape of a --dumpProfile row of either layout."""
    return any((m := rx.match(text)) is not None and _plausible(m, name_last) for rx, name_last, _ in _HEADERLESS)
