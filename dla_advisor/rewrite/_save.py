"""Writing the rewritten model: never over an input, and atomically (no half-written file on failure)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import onnx

from ..errors import UsageError

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
    """Validate ``-o``: not an input (or one of its weight files), not a folder, in an existing folder.

    Raises:
        UsageError: the output would overwrite a protected file or cannot be written there.
    """
    out = Path(output)
    for p in protected:
        if same_file(out, p):
            raise UsageError(f"-o {output} is the input model (or one of its weight files); inputs are never overwritten",
                             "Write the fixed model to another path, e.g. -o model.dla.onnx.")
    if out.is_dir():
        raise UsageError(f"-o {output} is a folder", "Give a file name, e.g. -o model.dla.onnx.")
    if not out.parent.exists():
        raise UsageError(f"cannot write {output}: folder {out.parent} does not exist", "Create it or pick another -o path.")
    return out


def _weights_bytes(model: onnx.ModelProto) -> int:
    return sum(len(i.raw_data) for i in model.graph.initializer)


def save_model_atomic(model: onnx.ModelProto, output: str | os.PathLike) -> list[Path]:
    """Write ``model`` to ``output`` through a temporary file in the same folder and an atomic rename.

    Models too big for one protobuf get their weights in ``<output>.data`` next to it.

    Returns:
        The files written.
    """
    out = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=str(out.parent))
    os.close(fd)
    written = [out]
    try:
        if _weights_bytes(model) > INLINE_LIMIT_BYTES:
            data_name = f"{out.name}.data"
            onnx.save_model(model, tmp, save_as_external_data=True, all_tensors_to_one_file=True, location=data_name)
            written.append(out.parent / data_name)
        else:
            onnx.save_model(model, tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written
