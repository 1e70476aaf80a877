"""LayoutFromTrtexecLog: read a trtexec / TensorRT builder log, streaming, one line at a time.

One pass over the file feeds each message (logger prefix stripped) to a few small parsers: build
options, the placement blocks of every TensorRT generation, fallback messages (table in
``rules/log_patterns.yaml``), "Engine Layer Information" one-line records, performance summaries
and ``--dumpProfile`` tables. Memory stays bounded: only what is kept about the engine grows, and a
line longer than :data:`MAX_LINE` is read in pieces.
"""

from __future__ import annotations

import re

from ..layout import FallbackReason
from . import _patterns
from ._base import LayoutReader
from ._observation import TRTEXEC_LOG, Observation, ObservedLayer
from ._perf_summary import PerfSummaryParser
from ._registry import reader
from ._prefix import split_prefix
from ._profile_table import ProfileTableParser

MAX_LINE = 1 << 20

# trtexec and the samples: "&&&& PASSED TensorRT.trtexec [TensorRT v8510] [b23] # cmd"; TensorRT 7 has no version.
STATUS_LINE = re.compile(r"^&&&& (RUNNING|PASSED|FAILED) TensorRT\.(\w+)(?:\s*\[TensorRT (v\d+)\])?(?:\s*\[b\d+\])?\s*#?\s*(.*)$")
# What a paste leaves where it cut lines out.
_ELISION = re.compile(r"^(?:\.{3,}|…+|…?\s*\(omit[^)]*\)|\[\.\.\.\]|<snip>|\.\.\.\s*\(\w[^)]*\))\s*$", re.I)
_VERSION = re.compile(r"^TensorRT version: (\d+(?:\.\d+)+)")
_DLA_HDR_NEW = re.compile(r"^-+ Layers Running on (DLA|GPU) -+$")
_DLA_HDR_OLD = re.compile(r"^-+ Layers running on (DLA|GPU):\s*$")
_DLA_LAYER = re.compile(r"^\[DlaLayer\]\s*(.+?),?$")
_GPU_LAYER = re.compile(r"^\[GpuLayer\]\s*(?:(?P<type>[A-Z][A-Z0-9_]*): )?(?P<name>.+?),?$")
_LAYER_INFO = re.compile(r"^Layer\((?P<type>[^)]*)\): (?P<rest>.*)$")
# Polygraphy `inspect model <engine>`: "Layer 57   | <engine layer name> [Op: NoOp]".
_POLY_LAYER = re.compile(r"^Layer \d+\s*\|\s*(?P<name>.+?)\s*\[Op: (?P<type>[^\]]+)\]\s*$")
_IO_OLD = re.compile(r"(?P<name>[^\[\]]*?)\[(?P<type>[A-Za-z0-9]+)\((?P<dims>[^)]*)\)\]")
_IO_NEW = re.compile(r"(?P<name>.*?) \((?P<type>[A-Za-z0-9]+)\[(?P<dims>[^\]]*)\]\)")
_BINDING = re.compile(r"^(?:Input|Output) binding for (.+?) with dimensions ")
_CANDIDATES = re.compile(r"Number of DLA node candidates offloaded : (\d+) out of (\d+)")
_FLAG = re.compile(r"--([A-Za-z]+)(?:=(\S+))?")


@reader(TRTEXEC_LOG, order=0)
class LayoutFromTrtexecLog(LayoutReader):
    """Read a trtexec or builder log of any TensorRT generation.

    Calling the reader returns the engine's ``EngineLayout`` (with the measured numbers the log holds
    attached as ``measurement``).

    Args:
        path: the log file.
    """

    kind = TRTEXEC_LOG


    def observe(self) -> Observation:
        """Stream the file into an :class:`Observation`."""
        obs = Observation(self.path, self.kind)
        with open(self.path, encoding="utf-8", errors="replace", newline=None) as f:
            scan_lines(iter(lambda: f.readline(MAX_LINE), ""), obs)
        return obs


def scan_lines(lines, obs: Observation) -> Observation:
    """Feed log lines (any iterable of str) into ``obs``."""
    return _Scanner(obs).run(lines)


class _Scanner:
    """One pass over a log. A paste may hold several builds (a second ``&&&& RUNNING`` line, a second
    placement section or summary): each becomes its own Observation, chained on the first's
    ``more_builds``."""

    def __init__(self, obs: Observation):
        self.first = obs
        self.lineno = 0
        self._start(obs)

    def _start(self, obs: Observation) -> None:
        self.obs = obs
        self.perf = PerfSummaryParser(obs)
        self.table = ProfileTableParser(obs)
        self.pending: dict[str, list[FallbackReason]] = {}
        self.pending_next: list[FallbackReason] = []
        self.expect_list: str = ""  # "DLA"/"GPU" after a TRT 7 header
        self.list_buf: list[str] | None = None  # a TRT 7 list, possibly wrapped over several lines
        self.list_which = ""
        self.placement_done = False  # a placement section ended (another line came after it)
        self.pending_section = ""  # "DLA"/"GPU": a header was seen, its list not yet (the paste may end here)

    def _new_build(self) -> None:
        self._end_build()
        nxt = Observation(self.first.path, self.first.kind)
        self.first.more_builds.append(nxt)
        self._start(nxt)

    def run(self, lines) -> Observation:
        for raw in lines:
            self.lineno += 1
            line = raw.rstrip("\r\n")
            level, msg = split_prefix(line)
            if self.list_buf is not None:
                # A wrapped TRT 7 list continues on lines without any logger prefix.
                if msg and not level and line[:1] not in "[&" and not _DLA_HDR_OLD.match(msg):
                    self.list_buf.append(msg)
                    continue
                self._flush_list()
            if msg:
                self.feed(level, msg)
        self._end_build()
        return self.first

    def feed(self, level: str, msg: str) -> None:
        obs = self.obs
        if _ELISION.match(msg.strip()):
            obs.elisions += 1
            self.pending_section = ""  # the list under the last header was cut out: not shown
            return
        if msg[0] == "=" and self._summary_repeats(msg):
            self._new_build()
            obs = self.obs
        if self.table.active and self.table.feed(msg):
            return
        if self.expect_list:
            if self._take_old_list(msg):
                return
        c = msg[0]
        if c == "[":
            m = _DLA_LAYER.match(msg)
            if m:
                self._placement(dla=True)
                obs.dla_block.append(m.group(1).strip())
                return
            m = _GPU_LAYER.match(msg)
            if m:
                self._placement(dla=False)
                kind, name = (m["type"] or ""), m["name"].strip()
                obs.gpu_block.append((kind, name))
                if kind == "MYELIN":
                    obs.myelin_names.add(name)
                return
        if c == "-":
            m = _DLA_HDR_NEW.match(msg) or _DLA_HDR_OLD.match(msg)
            if m:
                which = m.group(1)
                if which == "DLA" and self.placement_done:
                    self._new_build()
                self.obs.placement_block = True
                if self.pending_section == "DLA":
                    self._placement(dla=True)  # the DLA list under the last header was empty
                self.pending_section = which
                self.expect_list = which if _DLA_HDR_OLD.match(msg) else ""
                return
        if obs.placement_block and not msg.startswith("No layer is running on DLA"):
            self.placement_done = True
            if self.pending_section:
                self._placement(dla=self.pending_section == "DLA")  # an empty list, then other output
        if c == "L" and msg.startswith("Layer"):
            m = _LAYER_INFO.match(msg)
            if m:
                obs.engine_layers.append(_one_line_record(m["type"], m["rest"]))
                obs.layer_list_detail = obs.layer_list_detail or "oneline"
                return
            m = _POLY_LAYER.match(msg)
            if m:
                obs.engine_layers.append(ObservedLayer(m["name"].strip(), m["type"].strip(), origin="polygraphy"))
                obs.layer_list_detail = obs.layer_list_detail or "oneline"
                return
        if c == "&":
            self._header(msg)
            return
        if "DLA" in msg:
            self._dla_message(level, msg)
            return
        if self.perf.feed(msg) or self.table.feed(msg):
            return
        self._options(msg)

    def _placement(self, dla: bool) -> None:
        self.obs.placement_block = True
        if self.pending_section == ("DLA" if dla else "GPU"):
            self.pending_section = ""
        if dla:
            self.obs.dla_section = True
        else:
            self.obs.gpu_section = True

    def _summary_repeats(self, msg: str) -> bool:
        # A second performance summary or profile in one paste belongs to another build.
        if msg.startswith("=== Performance summary ===") and self.obs.throughput_qps is not None:
            return True
        return msg.startswith("=== Profile (") and bool(self.obs.profile)

    def _take_old_list(self, msg: str) -> bool:
        which, self.expect_list = self.expect_list, ""
        if (which == "DLA" and msg.startswith("{")) or \
                (which == "GPU" and not msg.startswith(("{", "-", "=")) and ("," in msg or msg.rstrip().endswith(","))):
            self.list_buf, self.list_which = [msg], which
            self._placement(dla=which == "DLA")
            return True
        return False

    def _flush_list(self) -> None:
        from ._names import split_brace_groups

        text, which = "".join(self.list_buf or []), self.list_which
        self.list_buf = None
        if which == "DLA":
            groups, cut = split_brace_groups(text)
            self.obs.dla_block.extend(groups)
            if cut:
                self.obs.note(f"{self.obs.path}:{self.lineno}: the DLA subgraph list is cut off; its last group is incomplete.")
        else:
            self.obs.gpu_block.extend(("", n) for n in _split_top_level(text))

    def _header(self, msg: str) -> None:
        m = STATUS_LINE.match(msg)
        if not m:
            return
        state, _tool, version, cmd = m.groups()
        obs = self.obs
        if state == "RUNNING" and obs.has_content:
            self._new_build()
            obs = self.obs
        if version:
            obs.trt_version = obs.trt_version or version
        if state == "FAILED":
            obs.note("trtexec reported FAILED: the engine was not built or did not run.")
        flags = {k: v for k, v in _FLAG.findall(cmd)}
        if state == "RUNNING" or (flags and obs.use_dla is None):
            # The PASSED/FAILED line repeats the command: it stands in for a RUNNING line the paste lost.
            self._flags(flags)
        elif flags.get("batch", "").isdigit() and obs.batch is None:
            obs.batch = int(flags["batch"])
        if state == "PASSED" and obs.use_dla and obs.gpu_fallback is False \
                and not (obs.placement_block or obs.engine_layers):
            obs.strict_dla_passed = True
            obs.note("Built with --useDLACore and without --allowGPUFallback, and the build passed: every layer "
                     "runs on DLA, but the log (at this verbosity) does not list the loadables.")

    def _flags(self, flags: dict[str, str]) -> None:
        obs = self.obs
        if "useDLACore" in flags:
            obs.use_dla = True
        elif flags and "loadEngine" not in flags:
            # A build without --useDLACore has no DLA layer; a --loadEngine run says nothing of how it was built.
            obs.use_dla = False
        if "allowGPUFallback" in flags:
            obs.gpu_fallback = True
        elif obs.use_dla:
            obs.gpu_fallback = False
        obs.precision = "int8" if "int8" in flags or "best" in flags else ("fp16" if "fp16" in flags else "")
        if flags.get("batch", "").isdigit():
            obs.batch = int(flags["batch"])

    def _options(self, msg: str) -> None:
        obs = self.obs
        m = _VERSION.match(msg)
        if m:
            obs.trt_version = m.group(1)
            return
        if msg.startswith("Selected Device: "):
            obs.device = obs.device or msg.split(": ", 1)[1].strip()
            return
        m = _BINDING.match(msg)
        if m:
            obs.bindings.append(m.group(1))
            return
        if "Assertion" in msg and "failed" in msg:
            obs.note(f"{obs.path}:{self.lineno}: the build aborted ({msg[:120]}); the log has no summary.")

    def _dla_message(self, level: str, msg: str) -> None:
        obs = self.obs
        if msg.startswith("DLACore:"):
            if obs.use_dla is None:
                obs.use_dla = bool(msg.split(":", 1)[1].strip())
            return
        if msg.startswith("Allow GPU fallback for DLA:"):
            obs.gpu_fallback = msg.endswith("Enabled")
            return
        if msg.startswith("No layer is running on DLA"):
            self._placement(dla=True)
            return
        m = _CANDIDATES.search(msg)
        if m:
            obs.dla_candidates = (int(m.group(1)), int(m.group(2)))
            obs.note(f"TensorRT offloaded {m.group(1)} of {m.group(2)} DLA node candidates.")
            return
        hit = _patterns.match(msg)
        if hit is None:
            return
        pat, m = hit
        src = f"{obs.path}:{self.lineno}"
        reason = FallbackReason(pat.reason, msg, "", src) if pat.reason else None
        layer = (m.groupdict().get("layer") or "").strip()
        if pat.note:
            obs.note(pat.note)
        if pat.action == "loadable" and layer:
            self._placement(dla=True)
            if layer not in obs.dla_block:
                obs.dla_block.append(layer)
        elif pat.action == "reason" and layer:
            self.pending.setdefault(layer, []).append(reason)
        elif pat.action == "reason-next":
            self.pending_next.append(reason)
        elif pat.action == "fallback" and layer:
            specific = self.pending.pop(layer, []) + self.pending_next
            self.pending_next = []
            for r in specific:
                obs.add_fallback(layer, r)
            if not specific or pat.reason != "reported-unsupported":
                obs.add_fallback(layer, reason, m.groupdict().get("type") or "")
            else:
                obs.fallback_types.setdefault(layer, m.groupdict().get("type") or "")

    def _end_build(self) -> None:
        if self.list_buf is not None:
            self._flush_list()
        for layer, reasons in self.pending.items():
            for r in reasons:
                self.obs.add_fallback(layer, r)
            self.obs.note(f"{layer}: TensorRT said why it cannot run on DLA, but the log ends before the fallback line.")
        self.pending = {}
        if self.obs.elisions:
            self.obs.note(f"{self.obs.path}: {self.obs.elisions} line(s) of the paste were elided ('...'); "
                          "counts cover only the lines shown.")


def _split_top_level(text: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return [n for n in out if n]


def _one_line_record(layer_type: str, rest: str) -> ObservedLayer:
    name, sep, tail = rest.partition(", Tactic: ")
    ins: tuple = ()
    outs: tuple = ()
    if sep:
        _, _, io = tail.partition(", ")
        left, arrow, right = io.partition(" -> ")
        if arrow:
            ins, outs = _io(left), _io(right)
    return ObservedLayer(name.strip(), layer_type, inputs=ins, outputs=outs, origin="Engine Layer Information")


def _io(text: str) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    pat = _IO_NEW if " (" in text and "[" in text and "])" in text else _IO_OLD
    out = []
    for m in pat.finditer(text):
        name = m["name"].strip().lstrip(",").strip()
        dims = tuple(_dim(d) for d in m["dims"].split(",") if d.strip())
        out.append((name, m["type"], dims))
    return tuple(out)


def _dim(text: str) -> int:
    # "72:32" is channel 72 vectorised by 32.
    try:
        return int(text.split(":")[0])
    except ValueError:
        return 0
