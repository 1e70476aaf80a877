"""Read a serialized engine through TensorRT's engine inspector (needs the ``tensorrt`` package).

The inspector returns the same JSON as ``trtexec --exportLayerInfo``, so the layer-info reader
parses it; how detailed it is depends on the ``--profilingVerbosity`` the engine was built with.
TensorRT is imported only when an engine is read, so registering the reader costs nothing.
"""

from __future__ import annotations

import io

from ..errors import ArtifactParseError, BackendUnavailable
from ._base import LayoutReader
from ._jsonstream import JsonStream
from ._observation import ENGINE, Observation
from ._registry import reader


@reader(ENGINE, order=5)
class LayoutFromEngine(LayoutReader):
    """A serialized engine (``trtexec --saveEngine``), recognised by ``_sniff.py``."""

    def observe(self) -> Observation:
        return observe_engine(self.path)


def observe_engine(path: str) -> Observation:
    """Deserialize ``path`` and read its layer information.

    Raises:
        BackendUnavailable: TensorRT is not installed here.
        ArtifactParseError: TensorRT could not deserialize the file.
    """
    try:
        import tensorrt as trt  # noqa: PLC0415 - optional, heavy
    except ImportError as e:
        raise BackendUnavailable(
            f"{path} looks like a serialized TensorRT engine, and reading one needs the tensorrt Python package",
            "Run inspect on the board that built it (with TensorRT installed), or pass the trtexec log / "
            "--exportLayerInfo JSON instead.") from e
    logger = trt.Logger(trt.Logger.ERROR)
    runtime = trt.Runtime(logger)
    with open(path, "rb") as f:
        engine = runtime.deserialize_cuda_engine(f.read())
    if engine is None:
        raise ArtifactParseError(f"{path}: TensorRT {trt.__version__} could not deserialize this engine",
                                 "Engines only load with the TensorRT version (and device) that built them; "
                                 "pass the trtexec log or --exportLayerInfo JSON instead.", path)
    inspector = engine.create_engine_inspector()
    text = inspector.get_engine_information(trt.LayerInformationFormat.JSON)
    from ._export_readers import observe_layer_info

    obs = observe_layer_info(JsonStream(io.StringIO(text), path, "Rebuild the engine with --profilingVerbosity=detailed."), path)
    obs.kind = ENGINE
    obs.trt_version = trt.__version__
    return obs
