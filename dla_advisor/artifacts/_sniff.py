"""Tell which TensorRT artifact a file is from its content (the extension is only a tie-breaker)."""

from __future__ import annotations

import re
from pathlib import Path

from .._safe_write import special_kind
from ..errors import ArtifactParseError
from ._registry import READERS
from ._observation import (DUMP_PROFILE, ENGINE, LAYER_INFO_JSON, PROFILE_JSON, TIMES_JSON, TRTEXEC_LOG,
                     accepted_kinds)

HEAD = 1 << 16
_ENGINE_SUFFIXES = (".engine", ".plan", ".trt", ".eng")
_LOG_MARKERS = re.compile(
    r"&&&& (RUNNING|PASSED|FAILED) TensorRT|\[TRT\]|^\s*(\[[^\]]*\]\s*)?\[[IWEV]\] |Layers [Rr]unning on (DLA|GPU)|"
    r"\[(Dla|Gpu)Layer\]|=== Performance summary ===|^Layer\([A-Za-z]+\): |Throughput: [0-9.]+ qps|"
    r"on DLA|for DLA|DLA (Layer|LAYER|only|supports|Standalone|validation)|"
    r"^\s*Layer \d+\s*\|.*\[Op: [^\]]+\]\s*$|==== TensorRT Engine ====", re.M)
_TABLE = re.compile(r"=== Profile \(\d+ iterations ?\) ===|Layer\s+Time \(ms\)\s+Avg\. Time \(ms\)|"
                    r"Time\(ms\)\s+Avg\.\(ms\)\s+(Median\(ms\)\s+)?Time\(%\)\s+Layer")
_TIMES_KEYS = re.compile(r'"(startComputeMs|endComputeMs|computeMs|latencyMs|startInMs|startEnqMs)"\s*:')
_PROFILE_KEYS = re.compile(r'"(averageMs|timeMs)"\s*:|^\s*\[\s*\{\s*"count"\s*:')


def not_an_artifact(path: str, why: str) -> ArtifactParseError:
    return ArtifactParseError(f"{path}: {why}; it is not a TensorRT artifact dla-advisor reads",
                              f"Pass {accepted_kinds()}.", path)


def sniff(path: str) -> str:
    """Return the artifact kind of ``path``.

    Raises:
        ArtifactParseError: the file is missing, empty, or none of the accepted kinds.
    """
    p = Path(path)
    special = special_kind(p)
    if special is not None:
        raise not_an_artifact(str(path), f"it is {special}")
    try:
        with open(p, "rb") as f:
            head = f.read(HEAD)
    except OSError as e:
        raise ArtifactParseError(f"{path}: cannot read ({e.strerror or e})", "Check the path.", str(path)) from e
    if not head.strip():
        raise not_an_artifact(str(path), "the file is empty")
    if b"\0" in head or (p.suffix.lower() in _ENGINE_SUFFIXES and not _is_text(head)):
        if p.suffix.lower() in _ENGINE_SUFFIXES or b"ftrt" in head[:64]:
            return ENGINE
        raise not_an_artifact(str(path), "binary content")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    # A paste copied with its markdown fence ("```json", "```shell").
    text = re.sub(r"\A(?:```[\w+-]*[ \t]*\r?\n\s*)+", "", text)
    for kind, cls in READERS.items():  # readers of kinds beyond the built-in ones recognise their own files
        if cls.claims(text):
            return kind
    if text[:1] in ",}":
        # Pasted rows start with the separator (", {" in --exportProfile, "},{" in --exportLayerInfo).
        text = text.lstrip(",} \t\r\n")
    if text.startswith("{"):
        first = text[:4096]
        if re.match(r'\{\s*"(Layers|Bindings)"\s*:', text) or '"Layers"' in first:
            return LAYER_INFO_JSON
        # Records pasted without their outer list or object.
        if _PROFILE_KEYS.search(first) or re.match(r'\{\s*"count"\s*:', text):
            return PROFILE_JSON
        if re.search(r'"Name"\s*:', first) and re.search(r'"LayerType"\s*:', first):
            return LAYER_INFO_JSON
        raise not_an_artifact(str(path), "a JSON object without a 'Layers' list")
    if re.match(r"\[\s*[{\[\"\]]", text):
        first = text[:4096]
        if _TIMES_KEYS.search(first) and not re.search(r'"name"\s*:', first):
            return TIMES_JSON
        if _PROFILE_KEYS.search(first) or re.search(r'"name"\s*:', first):
            return PROFILE_JSON
        if re.match(r"\[\s*\]", text):
            raise not_an_artifact(str(path), "an empty JSON list")
        raise not_an_artifact(str(path), "a JSON list of unknown records")
    if _LOG_MARKERS.search(text):
        return TRTEXEC_LOG
    if _TABLE.search(text) or _headerless_rows(text):
        return DUMP_PROFILE
    raise not_an_artifact(str(path), "no TensorRT log line, profile table or export JSON found")


def _headerless_rows(text: str) -> bool:
    """Two consecutive lines shaped like --dumpProfile rows (a paste without the table header)."""
    from ._profile_table import looks_like_row

    prev = False
    for line in text.splitlines()[:400]:
        row = looks_like_row(line.strip())
        if row and prev:
            return True
        prev = row
    return False


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
