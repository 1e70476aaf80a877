"""Tiny ONNX graphs built in tests (no files committed)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from dla_advisor.graph import network_from_model


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "t", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def w(name, shape):
    return numpy_helper.from_array(np.full(shape, 0.01, np.float32), name)


def net_of(nodes, inputs, outputs, inits=(), shapes=None, opset=13):
    return network_from_model(model(nodes, inputs, outputs, inits, opset), shapes=shapes)


def conv(name, x, y, cin, cout, k=3, **attrs):
    attrs.setdefault("pads", [k // 2] * 4)
    return helper.make_node("Conv", [x, f"{name}.w"], [y], name=name, kernel_shape=[k, k], **attrs), w(f"{name}.w", (cout, cin, k, k))
