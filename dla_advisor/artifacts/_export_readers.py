"""Readers of trtexec's JSON exports and of a bare ``--dumpProfile`` table.

Each reader is named ``<Target>From<Source>``, takes a path, and returns the shared type when
called; ``observe()`` gives the raw :class:`Observation` that :func:`read` merges across files.
"""

from __future__ import annotations

import math
from array import array

from ..errors import ArtifactParseError
from ._base import LayoutReader, MeasurementReader
from ._jsonstream import JsonStream
from ._observation import (DUMP_PROFILE, KIND_LABELS, LAYER_INFO_JSON, PROFILE_JSON, TIMES_JSON, Observation,
                     ObservedLayer, ProfileRow)
from ._registry import reader


def _open(path: str):
    return open(path, encoding="utf-8", errors="replace")


def _hint(kind: str) -> str:
    return f"Pass {KIND_LABELS[kind]} as written by trtexec, unmodified."


def _num(rec: dict, key: str, stream) -> float | None:
    """``stream``: a JsonStream, or a function turning a message into an ArtifactParseError."""
    v = rec.get(key)
    if v is None:
        return None
    try:  # a 400-digit integer (from any JSON parser) overflows float(): not a number either
        finite = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
    except OverflowError:
        finite = False
    if not finite:
        raise (stream.error if hasattr(stream, "error") else stream)(f"'{key}' is not a number")
    return float(v)


def _records(s: JsonStream, not_a_list: str, entry: str):
    """The records of a JSON list, streamed; the file's own words when it is not a list of records."""
    if s.peek() != "[":
        raise s.error(not_a_list)
    for rec in s.array():
        if not isinstance(rec, dict):
            raise s.error(f"{entry} is not a record")
        yield rec


@reader(LAYER_INFO_JSON, order=1)
class LayoutFromLayerInfoJson(LayoutReader):
    """``--exportLayerInfo`` JSON, with ``--profilingVerbosity=detailed`` records or names only."""

    kind = LAYER_INFO_JSON


    def observe(self) -> Observation:
        try:
            with _open(self.path) as f:
                return observe_layer_info(JsonStream(f, self.path, _hint(self.kind)), self.path)
        except ArtifactParseError as strict:
            return _layer_info_fragments(self.path, strict)


def observe_layer_info(s: JsonStream, path: str) -> Observation:
    """Read a layer-information JSON document (file or engine inspector output) from a stream."""
    obs = Observation(path, LAYER_INFO_JSON)
    saw_layers = False
    if s.peek() != "{":
        raise s.error("a layer-information JSON is an object with a 'Layers' list")
    for key, item in s.object_items(("Layers", "Bindings")):
        if key == "Layers":
            saw_layers = True
            obs.engine_layers.append(_layer_record(item, s))
        elif key == "Bindings":
            if isinstance(item, str):
                obs.bindings.append(item)
            elif isinstance(item, dict) and isinstance(item.get("Name"), str):
                obs.bindings.append(item["Name"])
    s.end()
    if not saw_layers:
        raise s.error("no 'Layers' list")
    kinds = {"names" if not layer.type else "detailed" for layer in obs.engine_layers}
    obs.layer_list_detail = "detailed" if "detailed" in kinds else "names"
    return obs


def _layer_info_fragments(path: str, strict: ArtifactParseError) -> Observation:
    """Layer records pasted without the outer ``{"Layers": [...]}``, or a cut document."""
    from ._fragments import read_records, read_text

    text = read_text(path)
    frags = read_records(text)
    obs = Observation(path, LAYER_INFO_JSON)
    for rec in frags.records:
        if isinstance(rec.get("Name"), str) and ("LayerType" in rec or "Inputs" in rec):
            obs.engine_layers.append(_layer_record(rec, None))
        elif isinstance(rec.get("Layers"), list):  # a whole document inside other text
            obs.engine_layers.extend(_layer_record(x, None) for x in rec["Layers"] if isinstance(x, (dict, str)))
    if not obs.engine_layers:
        obs.engine_layers.extend(ObservedLayer(n, origin="layer info (names only)") for n in _cut_name_list(text))
    if not obs.engine_layers:
        raise strict
    obs.layer_list_detail = "detailed" if any(layer.type for layer in obs.engine_layers) else "names"
    obs.note(f"{path}: read as pasted layer records ({len(obs.engine_layers)} layers"
             + (", the last record cut off" if frags.cut_tail else "") + "); counts cover only the layers shown.")
    return obs


def _cut_name_list(text: str) -> list[str]:
    """The complete names of a names-only ``"Layers": ["a", "b", ...`` list that a paste cut off."""
    import json
    import re

    m = re.search(r'"Layers"\s*:\s*\[', text)
    if not m:
        return []
    # Names are read one after another from the list's start: a string found further on (inside a
    # detailed record, or spanning a cut line) is not a list entry, and JSON strings hold no raw
    # control characters.
    item = re.compile(r'\s*("(?:[^"\\\x00-\x1f]|\\.)*")\s*(,|\]|$)')
    names, pos = [], m.end()
    while (s := item.match(text, pos)) is not None:
        try:
            names.append(json.loads(s.group(1)))
        except ValueError:
            break
        if s.group(2) != ",":
            break
        pos = s.end()
    return names


def _layer_record(item, s: JsonStream | None) -> ObservedLayer:
    if isinstance(item, str):
        return ObservedLayer(item, origin="layer info (names only)")
    if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
        if s is None:
            return ObservedLayer(str(item), origin="layer info (names only)")
        raise s.error("a 'Layers' entry is neither a name nor a record with 'Name'")
    return ObservedLayer(item["Name"], str(item.get("LayerType") or "Unknown"),
                         inputs=_tensors(item.get("Inputs"), s), outputs=_tensors(item.get("Outputs"), s),
                         origin=str(item.get("Origin") or ""))


def _tensors(items, s: JsonStream | None) -> tuple:
    if not isinstance(items, list):
        return ()
    out = []
    for t in items:
        if not isinstance(t, dict):
            if s is None:
                continue
            raise s.error("a layer input/output is not a record")
        dims = t.get("Dimensions") or []
        if not isinstance(dims, list):
            dims = []
        out.append((str(t.get("Name", "")), str(t.get("Format/Datatype", "")),
                    tuple(d if isinstance(d, int) and not isinstance(d, bool) else 0 for d in dims)))
    return tuple(out)


@reader(PROFILE_JSON, order=2)
class MeasurementFromProfileJson(MeasurementReader):
    """``--exportProfile`` JSON: ``[{"count": N}, {"name", "timeMs", "averageMs", ["medianMs",] "percentage"}...]``.

    A paste of some rows (no outer array, a cut last row, ``...`` between rows) is read record by record.
    """

    kind = PROFILE_JSON


    def observe(self) -> Observation:
        obs = Observation(self.path, self.kind)
        try:
            with _open(self.path) as f:
                s = JsonStream(f, self.path, _hint(self.kind))
                for rec in _records(s, "a profile JSON is a list of per-layer records", "a profile entry"):
                    _profile_record(obs, rec, s.error)
                s.end()
        except ArtifactParseError as strict:
            return _profile_fragments(self.path, strict)
        return obs


def _profile_record(obs: Observation, rec: dict, error) -> None:
    if "name" not in rec:
        if "count" in rec:
            c = _num(rec, "count", error)
            obs.profile_iterations = int(c) if c is not None else None
            return
        raise error("a profile entry has no 'name'")
    avg = _num(rec, "averageMs", error)
    total = _num(rec, "timeMs", error)
    if avg is None and total is None:
        raise error(f"profile entry '{rec['name']}' has neither averageMs nor timeMs")
    if avg is None:
        avg = total / obs.profile_iterations if obs.profile_iterations else total
    obs.profile.append(ProfileRow(str(rec["name"]), avg, total, _num(rec, "medianMs", error),
                                  _num(rec, "percentage", error)))


def _profile_fragments(path: str, strict: ArtifactParseError) -> Observation:
    from ._fragments import read_records, read_text

    frags = read_records(read_text(path))
    obs = Observation(path, PROFILE_JSON)
    skipped = frags.skipped

    def error(what: str) -> ArtifactParseError:
        return ArtifactParseError(f"{path}: {what}", _hint(PROFILE_JSON), path)

    for rec in frags.records:
        try:
            _profile_record(obs, rec, error)
        except ArtifactParseError:
            skipped += 1
    if not obs.profile:
        raise strict
    obs.note(f"{path}: read as pasted profile rows ({len(obs.profile)} rows"
             + (", the last row cut off" if frags.cut_tail else "")
             + (f", {skipped} stretch(es) of other text skipped" if skipped else "")
             + "); counts cover only the rows shown.")
    return obs


_TIME_KEYS = ("latencyMs", "computeMs", "startComputeMs", "endComputeMs")


@reader(TIMES_JSON, order=3)
class MeasurementFromTimesJson(MeasurementReader):
    """``--exportTimes`` JSON: one record per inference (``startComputeMs``, ``computeMs``, ``latencyMs`` ...)."""

    kind = TIMES_JSON


    def observe(self) -> Observation:
        obs = Observation(self.path, self.kind)
        latency, compute = array("d"), array("d")
        first, last = math.inf, -math.inf
        with _open(self.path) as f:
            s = JsonStream(f, self.path, _hint(self.kind))
            for rec in _records(s, "a times JSON is a list of per-inference records", "a times entry"):
                if not any(k in rec for k in _TIME_KEYS):
                    if "count" in rec:
                        continue
                    raise s.error("a times entry has none of " + ", ".join(_TIME_KEYS))
                lat = _num(rec, "latencyMs", s)
                comp = _num(rec, "computeMs", s)
                start, end = _num(rec, "startComputeMs", s), _num(rec, "endComputeMs", s)
                if comp is None and start is not None and end is not None:
                    comp = end - start
                if lat is not None:
                    latency.append(lat)
                if comp is not None:
                    compute.append(comp)
                for k in ("startInMs", "startH2dMs", "startEnqMs", "startComputeMs"):
                    v = _num(rec, k, s)
                    if v is not None:
                        first = min(first, v)
                for k in ("endOutMs", "endD2hMs", "endComputeMs"):
                    v = _num(rec, k, s)
                    if v is not None:
                        last = max(last, v)
            s.end()
        n = max(len(latency), len(compute))
        if n == 0:
            raise ArtifactParseError(f"{self.path}: the times JSON holds no inference records", _hint(self.kind), self.path)
        obs.latency_ms = stats(latency)
        obs.gpu_compute_ms = stats(compute)
        if last > first:
            obs.throughput_qps = n / ((last - first) / 1000.0)
            obs.note(f"Throughput from {self.path}: {n} inferences over the {last - first:.1f} ms the trace spans.")
        return obs


def stats(values) -> dict[str, float]:
    """min/max/mean/median/p90/p95/p99 (nearest rank) of a sequence of milliseconds."""
    if not values:
        return {}
    v = sorted(values)
    n = len(v)

    def rank(p: float) -> float:
        return v[min(n - 1, max(0, math.ceil(p / 100 * n) - 1))]

    mid = n // 2
    median = v[mid] if n % 2 else (v[mid - 1] + v[mid]) / 2
    return {"min": v[0], "max": v[-1], "mean": sum(v) / n, "median": median,
            "p90": rank(90), "p95": rank(95), "p99": rank(99)}


@reader(DUMP_PROFILE, order=4)
class MeasurementFromDumpProfile(MeasurementReader):
    """A ``--dumpProfile`` table (either column layout), alone or inside a log."""

    kind = DUMP_PROFILE


    def observe(self) -> Observation:
        from ._log import LayoutFromTrtexecLog

        obs = LayoutFromTrtexecLog(self.path).observe()
        obs.kind = self.kind
        if not obs.profile:
            raise ArtifactParseError(f"{self.path}: no --dumpProfile table found", _hint(self.kind), self.path)
        return obs
