"""What an engine-layer name says about itself: DLA node, Myelin node, reformat, sync, fused members.

TensorRT names its engine layers after what it built, and the wording changed over the versions. The
helpers here classify one name without context; the readers add what the surrounding artifact says
(e.g. whether a ``{ForeignNode[...]}`` ran on DLA or is a GPU Myelin node).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Roles of an engine layer name.
COMPUTE = "compute"
REFORMAT = "reformat"
SYNC = "sync"

# Reformat kinds (Reformat.kind).
TO_NVM = "to_nvm"
FROM_NVM = "from_nvm"
COPY_NODE = "copy_node"
TRT7_REFORMATTER = "trt7_reformatter"
QDQ = "qdq"
GENERIC = "reformat"

# TensorRT 10 names the layers Myelin generated for an ONNX node "<node>_myl<graph>_<n>" (dots in the
# node name become underscores: "/classifier/classifier_1/Gemm_myl55_1").
_MYELIN_SUFFIX = re.compile(r"_myl\d+_\d+$")
_FOREIGN = re.compile(r"^\{ForeignNode\[(?P<body>.*)\]\}$", re.S)
_COPY_NODE = re.compile(r"^Reformatting CopyNode for (?P<dir>Input|Output) Tensor (?P<idx>\d+) to (?P<layer>.*)$", re.S)
# TensorRT 8.x+: the copy that brings a network input into (or an output out of) the engine's format.
_IO_COPY_NODE = re.compile(r"^Reformatting CopyNode for Network (?P<dir>Input|Output) (?P<tensor>.*)$", re.S)
# TRT 7: "<layer> input reformatter 0", "<layer> output reformatter 0".
_TRT7_REFORMATTER = re.compile(r"^(?P<layer>.*) (?P<dir>input|output) reformatter (?P<idx>\d+)$", re.S)
_TO_NVM = re.compile(r"^(?P<tensor>.*) to nvm$", re.S)
_FROM_NVM = re.compile(r"^(?P<tensor>.*) from nvm$", re.S)
# "data copy finish", "loss3/classifier finish", "{...} output to be reformatted 0 finish",
# "{...} reformatted input 0 finish": DLA region synchronisation markers.
_FINISH = re.compile(r"^.* finish$", re.S)


@dataclass(frozen=True)
class NameInfo:
    """What one engine-layer name says.

    Attributes:
        role: ``compute``, ``reformat`` or ``sync``.
        reformat_kind: for reformats, one of the kinds above.
        tensor: the tensor a reformat/transfer moves, where the name says it.
        direction: ``input``/``output`` for CopyNode and TRT 7 reformatters.
        target: the layer a CopyNode/reformatter serves.
    """

    role: str
    reformat_kind: str = ""
    tensor: str = ""
    direction: str = ""
    target: str = ""


def classify(name: str) -> NameInfo:
    """Classify an engine layer name by its wording alone."""
    n = name.strip()
    m = _COPY_NODE.match(n)
    if m:
        return NameInfo(REFORMAT, COPY_NODE, direction=m["dir"].lower(), target=m["layer"])
    m = _IO_COPY_NODE.match(n)
    if m:
        return NameInfo(REFORMAT, COPY_NODE, tensor=m["tensor"].strip(), direction="network_" + m["dir"].lower())
    if _FINISH.match(n):
        return NameInfo(SYNC)
    m = _TO_NVM.match(n)
    if m:
        return NameInfo(REFORMAT, TO_NVM, tensor=m["tensor"], direction="input")
    m = _FROM_NVM.match(n)
    if m:
        return NameInfo(REFORMAT, FROM_NVM, tensor=m["tensor"], direction="output")
    m = _TRT7_REFORMATTER.match(n)
    if m:
        return NameInfo(REFORMAT, TRT7_REFORMATTER, direction=m["dir"], target=m["layer"])
    return NameInfo(COMPUTE)


def is_foreign_node(name: str) -> bool:
    return bool(_FOREIGN.match(name.strip()))


def is_brace_group(name: str) -> bool:
    """TRT 5-7 name a DLA subgraph by listing its layers: ``{a,b,c}``."""
    n = name.strip()
    return n.startswith("{") and not n.startswith("{ForeignNode[")


def members(name: str) -> tuple[tuple[str, ...], bool]:
    """The original layer names inside an engine layer name, and whether they are a range.

    ``Conv_0 + Relu_1`` → ((Conv_0, Relu_1), False); ``{a,b,c}`` → ((a, b, c), False);
    ``{ForeignNode[Conv_0...Relu_7]}`` → ((Conv_0, Relu_7), True): only the ends are named, and the
    layers in between must come from the network's order.
    """
    n = name.strip()
    m = _FOREIGN.match(n)
    if m:
        body = m["body"]
        if "..." in body:
            first, _, last = body.partition("...")
            return (tuple(_split_fused(first)[:1] + _split_fused(last)[-1:]), True)
        return tuple(_split_fused(body)), False
    if is_brace_group(n):
        inner = n[1:-1] if n.endswith("}") else n[1:]
        return tuple(p.strip() for p in inner.split(",") if p.strip()), False
    return tuple(_split_fused(n)), False


def _split_fused(name: str) -> list[str]:
    # " || " joins horizontally fused layers (TRT 7), " + " vertically fused ones.
    parts: list[str] = []
    for chunk in name.split(" || "):
        parts.extend(_MYELIN_SUFFIX.sub("", p.strip()) for p in chunk.split(" + ") if p.strip())
    return parts


def split_brace_groups(text: str) -> tuple[list[str], bool]:
    """Split a TRT 7 ``{a,b}, {c,d},`` list into groups; returns (groups, last_group_cut)."""
    groups: list[str] = []
    depth, start = 0, -1
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                groups.append(text[start:i + 1])
    cut = depth > 0
    if cut:
        groups.append(text[start:] + "}")
    return groups, cut
