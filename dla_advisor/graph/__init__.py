"""The Network IR and its ONNX importer."""

from ._ir import LAYER_KINDS, Layer, Network, Tensor, build_graph
from ._qdq import Quantization, int8_scale
from ._onnx_import import default_opset, load_network, network_from_model, read_model

__all__ = ["LAYER_KINDS", "Layer", "Network", "Tensor", "build_graph", "default_opset", "load_network",
           "network_from_model", "read_model"]
