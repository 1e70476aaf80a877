"""Build the networks of the held-out validation set (onnx helpers only).

Run: python models/make_holdout_models.py [OUT_DIR]. The .onnx files are generated on demand (by
``dla-advisor calibrate rules/calibration/orin-agx-64gb-holdout.yaml`` and the tests) and not
committed. Weights are seeded random numbers; BatchNorm is folded into the convolutions.

* ssd_mobilenet_v1.onnx — SSD-MobileNetV1 (``ssd_mobilenet_v1_coco_2018_01_28``) at 300x300, dynamic
  batch, cut where NVIDIA cuts it for DLA: after the six box predictors, the box-encoding and class
  1x1 convolutions of each scale fused into one convolution (4 + 91 channels per anchor; 3 anchors on
  the 19x19 map, 6 on the others), no NMS
  (https://github.com/NVIDIA/Deep-Learning-Accelerator-SW/blob/main/scripts/prepare_models/ssd_mobilenetv1.py).
  MobileNetV1 with depth multiplier 1 and ReLU6 (Clip 0..6); TensorFlow SAME padding of the stride-2
  layers is written as symmetric padding of 1, which gives the same output sizes and MAC counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_models import Builder, write_models  # noqa: E402
from make_perf_models import _input  # noqa: E402

# (stride, output channels) of the 13 depthwise-separable blocks of MobileNetV1.
_MOBILENET_V1 = ((1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512), (1, 512), (1, 512), (1, 512),
                 (1, 512), (1, 512), (2, 1024), (1, 1024))
# SSD extra feature layers: (1x1 bottleneck channels, 3x3 stride-2 output channels).
_SSD_EXTRAS = ((256, 512), (128, 256), (128, 256), (64, 128))
_SSD_CLASSES = 91


def _relu6(b: Builder, x):
    lo = b.init(f"clip_lo{b.counter}", np.array(0.0, dtype=np.float32))
    hi = b.init(f"clip_hi{b.counter}", np.array(6.0, dtype=np.float32))
    return b.node("Clip", [x, lo, hi])


def _conv_relu6(b: Builder, x, cin, cout, k, stride=1, group=1):
    return _relu6(b, b.conv(x, cin, cout, k, stride=stride, pad=k // 2, group=group))


def ssd_mobilenet_v1(size: int = 300):
    b = Builder(seed=11)
    x = _conv_relu6(b, "input", 3, 32, 3, 2)
    c = 32
    features = []
    for i, (stride, cout) in enumerate(_MOBILENET_V1):
        x = _conv_relu6(b, x, c, c, 3, stride, group=c)      # depthwise
        x = _conv_relu6(b, x, c, cout, 1)                     # pointwise
        c = cout
        if i in (10, 12):                                     # Conv2d_11_pointwise (19x19), Conv2d_13 (10x10)
            features.append((x, c))
    for mid, cout in _SSD_EXTRAS:
        x = _conv_relu6(b, _conv_relu6(b, x, c, mid, 1), mid, cout, 3, 2)
        c = cout
        features.append((x, c))
    grid = [size]
    for _ in range(9):                                        # every stride-2 layer halves, rounding up
        grid.append(-(-grid[-1] // 2))
    grid = grid[4:]                                           # 19, 10, 5, 3, 2, 1 at 300x300
    outs = []
    for i, (t, ch) in enumerate(features):
        anchors = 3 if i == 0 else 6
        b.conv(t, ch, anchors * (4 + _SSD_CLASSES), 1)
        b.nodes[-1].output[0] = f"output{i}"
        outs.append(helper.make_tensor_value_info(f"output{i}", TensorProto.FLOAT,
                                                  ["batch_size", anchors * (4 + _SSD_CLASSES), grid[i], grid[i]]))
    return b.model([_input(b, 3, size, size)], outs, "ssd_mobilenet_v1")


MODELS = {"ssd_mobilenet_v1": ssd_mobilenet_v1}


def main(out_dir: str | None = None) -> None:
    write_models(MODELS, out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
