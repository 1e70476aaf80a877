"""Run rewrites on a copy of an ONNX model (weights included) and count what changed."""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import onnx
import onnx_graphsurgeon as gs

from ..errors import ModelLoadError, first_line
from ..graph import read_model
from ._context import DlaLimits, RewriteContext
from ._registry import Rewrite
from ._shapes import with_shapes

RESIZE_OPSET = 11  # first opset whose Resize has coordinate_transformation_mode / nearest_mode


@dataclass(frozen=True, eq=False)
class RewriteResult:
    """The rewritten model and what each rewrite did.

    Attributes:
        model: the rewritten model (a new object; the input model is not modified).
        sites: ``(rewrite name, sites changed)`` for every rewrite that ran, in order.
        notes: sites left alone with why, and conversions made (e.g. an opset upgrade).
        extras: data a rewrite produced besides the model (``int8_scales``: tensor → INT8 scale).
    """

    model: onnx.ModelProto
    sites: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    extras: dict = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(n for _, n in self.sites)


def load_model_with_weights(path: str | os.PathLike) -> onnx.ModelProto:
    """Read an ONNX model and its external weight files (rewrites reshape weights).

    Raises:
        ModelLoadError: unreadable model or missing external data.
    """
    model = read_model(path)
    base = Path(path).resolve().parent
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            _check_external(init, base, path)
    try:
        onnx.external_data_helper.load_external_data_for_model(model, str(base))
    except Exception as e:  # noqa: BLE001 - onnx raises OSError, ValueError and its C++ ValidationError
        raise ModelLoadError(f"cannot read the external weights of {path} ({first_line(e, 200)})",
                             "Keep the weight files next to the model, as the exporter wrote them.") from None
    for init in model.graph.initializer:
        # Analysis needs only shapes, so the importer accepts an inline initializer with no values; the
        # rewrites reshape weights and onnxruntime runs them, so here they must be there.
        if init.data_location != onnx.TensorProto.EXTERNAL and math.prod(init.dims) > 0 and not _holds_values(init):
            raise ModelLoadError(f"initializer '{init.name}' of {path} has dims {list(init.dims)} but no values",
                                 "fix rewrites and runs the weights: re-export the model with them.")
    return model


_VALUE_FIELDS = ("raw_data", "float_data", "double_data", "int32_data", "int64_data", "uint64_data", "string_data")


def _holds_values(init) -> bool:
    return any(len(getattr(init, f)) for f in _VALUE_FIELDS)


_HINT = "Keep the weight files next to the model, as the exporter wrote them (real files, not links)."


def _check_external(init, base: Path, path) -> None:
    """Refuse external weights onnx's loader would hang on, read outside the model's folder or fail on."""
    info = {e.key: e.value for e in init.external_data}
    where = info.get("location", "")
    what = f"initializer '{init.name}' of {path}"
    if not where:
        raise ModelLoadError(f"{what} is stored externally but names no weight file", _HINT)
    target = base / where
    if Path(where).is_absolute() or ".." in Path(where).parts:
        raise ModelLoadError(f"{what} names weight file '{where}' outside the model's folder; onnx refuses it", _HINT)
    if target.is_symlink():
        raise ModelLoadError(f"weight file '{where}' of {what} is a symbolic link; onnx refuses linked weight files",
                             _HINT)
    try:
        st = os.stat(target)
    except OSError as e:
        raise ModelLoadError(f"weight file '{where}' of {what} cannot be read ({e.strerror})", _HINT) from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelLoadError(f"weight file '{where}' of {what} is not a regular file", _HINT)
    try:
        offset = int(info.get("offset", "0"))
        length = int(info["length"]) if "length" in info else st.st_size - offset
    except ValueError:
        raise ModelLoadError(f"{what} has an unreadable offset or length for '{where}'", "Re-export the model.") from None
    if offset < 0 or length < 0 or offset + length > st.st_size:
        raise ModelLoadError(f"weight file '{where}' of {what} is shorter than the model says "
                             f"({st.st_size} bytes, needs {offset}+{length})", "The file is truncated; re-export the model.")


def external_data_files(model: onnx.ModelProto, model_path: str | os.PathLike) -> list[Path]:
    """The external weight files a model refers to (so they can be protected from being overwritten)."""
    base = Path(model_path).resolve().parent
    files = set()
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            for entry in init.external_data:
                if entry.key == "location":
                    files.add(base / entry.value)
    return sorted(files)


def apply_rewrites(model: onnx.ModelProto, rewrites: tuple[Rewrite, ...], limits: DlaLimits) -> RewriteResult:
    """Apply ``rewrites`` in order to a copy of ``model``.

    Each rewrite sees a freshly shape-inferred graph, so it can rely on the shapes produced by the
    rewrites before it.
    """
    current = onnx.ModelProto()
    current.CopyFrom(model)
    ctx = RewriteContext(limits=limits)
    notes: list[str] = []
    if any(r.name == "upsample-to-resize" for r in rewrites):
        current = _upgrade_for_resize(current, notes)
    sites = []
    for rw in rewrites:
        graph = _import(current)
        ctx.begin(graph)
        n = int(rw.apply(graph, ctx))
        sites.append((rw.name, n))
        if n:
            graph.cleanup().toposort()
            try:
                current = _export(graph, current)
            except ValueError as e:  # e.g. an attribute given as an empty list: graphsurgeon cannot type it
                raise ModelLoadError(f"the rewritten model cannot be written back ({first_line(e, 200)})",
                                     "Check the model with onnx.checker; nothing was written.") from None
    return RewriteResult(current, tuple(sites), tuple(notes + ctx.notes), dict(ctx.extras))


def _import(model: onnx.ModelProto) -> gs.Graph:
    """The graphsurgeon graph of ``model``; its refusals (unknown types, duplicate tensors) are input errors."""
    try:
        return gs.import_onnx(with_shapes(model))
    except (ValueError, KeyError, TypeError, gs.util.exception.OnnxGraphSurgeonException) as e:
        raise ModelLoadError(f"onnx-graphsurgeon cannot read the model ({type(e).__name__}: {first_line(e, 200)})",
                             "Check the model with onnx.checker; nothing was written.") from None


def _export(graph: gs.Graph, template: onnx.ModelProto) -> onnx.ModelProto:
    out = gs.export_onnx(graph, do_type_check=False)
    # Shapes inferred before the rewrite may be stale for renamed/rebuilt tensors: keep only I/O shapes.
    del out.graph.value_info[:]
    out.ir_version = template.ir_version
    out.producer_name, out.producer_version = template.producer_name, template.producer_version
    out.domain, out.model_version, out.doc_string = template.domain, template.model_version, template.doc_string
    del out.metadata_props[:]
    out.metadata_props.extend(template.metadata_props)
    return out


def _upgrade_for_resize(model: onnx.ModelProto, notes: list[str]) -> onnx.ModelProto:
    opset = next((int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset >= RESIZE_OPSET or not any(n.op_type == "Upsample" for n in model.graph.node):
        return model
    try:
        upgraded = onnx.version_converter.convert_version(model, RESIZE_OPSET)
    except Exception as e:  # noqa: BLE001 - the converter raises bare RuntimeErrors for ops it cannot adapt
        notes.append(f"upsample-to-resize: could not convert opset {opset} to {RESIZE_OPSET} "
                     f"({str(e).splitlines()[0] if str(e) else type(e).__name__}); Upsample left as is")
        return model
    notes.append(f"converted the model from opset {opset} to {RESIZE_OPSET} (onnx.version_converter) so Upsample "
                 "can become a Resize with explicit coordinate modes; verified with the other rewrites")
    return upgraded
