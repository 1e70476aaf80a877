"""Run rewrites on a copy of an ONNX model (weights included) and count what changed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import onnx
import onnx_graphsurgeon as gs

from ..errors import ModelLoadError
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
    try:
        onnx.external_data_helper.load_external_data_for_model(model, str(Path(path).resolve().parent))
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"cannot read the external weights of {path} ({e})",
                             "Keep the weight files next to the model, as the exporter wrote them.") from None
    return model


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
        graph = gs.import_onnx(with_shapes(current))
        ctx.begin(graph)
        n = int(rw.apply(graph, ctx))
        sites.append((rw.name, n))
        if n:
            graph.cleanup().toposort()
            current = _export(graph, current)
    return RewriteResult(current, tuple(sites), tuple(notes + ctx.notes), dict(ctx.extras))


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
