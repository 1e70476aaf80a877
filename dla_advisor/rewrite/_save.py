"""Writing the rewritten model: never over an input, and atomically (no half-written file on failure)."""

from __future__ import annotations

import os
from pathlib import Path

import onnx

from .. import _safe_write

# Protobuf cannot serialise a message over 2 GiB; leave headroom for the graph itself.
INLINE_LIMIT_BYTES = 1_800_000_000


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name the same file (same resolved path, or the same inode via a link)."""
    pa, pb = Path(a), Path(b)
    if pa.resolve() == pb.resolve():
        return True
    try:
        return pa.exists() and pb.exists() and os.path.samefile(pa, pb)
    except OSError:
        return False


def check_output_path(output: str | os.PathLike, protected: list[str | os.PathLike]) -> Path:
    """Validate ``-o`` with the safe writer's rules (not an input or its weights, not special, folder exists).

    Raises:
        UsageError: the output would overwrite a protected file or cannot be written there.
    """
    return _safe_write.check_output_path(output, protected)


def _weights_bytes(model: onnx.ModelProto) -> int:
    return sum(len(i.raw_data) for i in model.graph.initializer)


def save_model_atomic(model: onnx.ModelProto, output: str | os.PathLike) -> list[Path]:
    """Write ``model`` to ``output`` through a temporary file in the same folder and an atomic rename.

    Models too big for one protobuf get their weights in ``<output>.data`` next to it.

    Returns:
        The files written.
    """
    out = Path(output)
    written = [out]
    with _safe_write.atomic_output(out) as tmp:
        if _weights_bytes(model) > INLINE_LIMIT_BYTES:
            data_name = f"{out.name}.data"
            with _safe_write.atomic_output(out.parent / data_name) as data_tmp:
                onnx.save_model(model, str(tmp), save_as_external_data=True, all_tensors_to_one_file=True,
                                location=data_tmp.name)
            # The model names its weight file; point it at the final name before the model lands.
            _relink_external(tmp, data_tmp.name, data_name)
            written.append(out.parent / data_name)
        else:
            onnx.save_model(model, str(tmp))
    return written


def _relink_external(model_file: Path, old: str, new: str) -> None:
    m = onnx.load(str(model_file), load_external_data=False)
    for t in m.graph.initializer:
        for entry in t.external_data:
            if entry.key == "location" and entry.value == old:
                entry.value = new
    onnx.save_model(m, str(model_file))
