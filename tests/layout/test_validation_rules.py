"""DLA compiler validation failures the predictor models from real logs."""

from __future__ import annotations

import numpy as np
from onnx import helper

from dla_advisor.layout import DLA, GPU, BuildConfig, predict
from dla_advisor.platforms import load_platform

from onnx_builder import array, conv, net_of, vi


def test_attention_reshape_feeding_a_split_fails_dla_validation():
    # YOLO11's C2PSA attention: Conv -> Reshape [1,64,4,4] -> [1,4,16,16] -> Split into q, k, v along C.
    # The real Orin log: "Validation failed for DLA layer: /model.10/m/m.0/attn/Reshape" (corpus file 22).
    c, wc = conv("qkv", "x", "a", 16, 64, k=1)
    shape = array("shape", [1, 4, 16, 16], np.int64)
    r = helper.make_node("Reshape", ["a", "shape"], ["b"], name="attn/Reshape")
    split = array("split", [1, 1, 2], np.int64)
    s = helper.make_node("Split", ["b", "split"], ["q", "k", "v"], name="attn/Split", axis=1)
    net = net_of([c, r, s], [vi("x", [1, 16, 4, 4])], [vi("q", None), vi("k", None), vi("v", None)],
                 [wc, shape, split])
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="fp16"))
    p = layout.placement("attn/Reshape")
    assert p.device == GPU and [r.id for r in p.reasons] == ["dla-validation"]
    assert "Slice attn/Split" in p.reasons[0].message and p.reasons[0].source.endswith("/issues/18012")
    assert layout.placement("qkv").device == DLA


def test_reshape_between_convolutions_is_not_affected():
    c1, w1 = conv("c1", "x", "a", 16, 16, k=1)
    shape = array("shape", [1, 64, 2, 2], np.int64)
    r = helper.make_node("Reshape", ["a", "shape"], ["b"], name="r")
    c2, w2 = conv("c2", "b", "y", 64, 8, k=1)
    net = net_of([c1, r, c2], [vi("x", [1, 16, 4, 4])], [vi("y", None)], [w1, shape, w2])
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="fp16"))
    assert layout.placement("r").device == DLA and len(layout.dla_loadables) == 1
