"""Build the reference networks the performance model is calibrated and checked on (onnx helpers only).

Run: python models/make_perf_models.py [OUT_DIR]. The .onnx files are generated on demand (by the
calibration and the tests) and not committed. Weights are seeded random numbers: the model needs
shapes, not trained values. BatchNorm is folded into the convolutions, as exporters do for inference.

* resnet50.onnx — ResNet-50 v1.5 at 224x224, dynamic batch, final pooling as a 7x7 AveragePool so
  the whole network runs on DLA, as in NVIDIA's DLA reference builds
  (https://github.com/NVIDIA/Deep-Learning-Accelerator-SW/tree/main/scripts/prepare_models).
* resnet34_backbone.onnx — ResNet-34 convolution trunk at 1280x768 (no pooling head), dynamic batch.
* yolov5s.onnx — YOLOv5s v6 structure (6x6 stem, C3 blocks, SPPF, PANet neck, three 1x1 detect
  convolutions) at 672x672 with SiLU as Sigmoid x Mul, dynamic batch, as in NVIDIA's cuDLA sample
  (https://github.com/NVIDIA-AI-IOT/cuDLA-samples).
* ssd_resnet34.onnx — MLPerf SSD-ResNet34 ("SSD-Large") at 1200x1200, cut before NMS with the box and
  class convolutions of each scale fused, as NVIDIA prepares it for DLA
  (https://github.com/NVIDIA/Deep-Learning-Accelerator-SW/blob/main/scripts/prepare_models/ssd_resnet34.py):
  ResNet-34 trunk whose third stage keeps stride 1 (150x150x256), six detection scales 50, 25, 13,
  7, 3, 3 with 4/6/6/6/4/4 anchors and 81 classes (about 216 GMAC, MLPerf's 433 GOPs).
* retinanet_resnext50.onnx — MLPerf RetinaNet (ResNeXt-50 32x4d, FPN P3-P7, 800x800, 264 classes,
  9 anchors), cut before NMS as NVIDIA prepares it for DLA
  (https://github.com/NVIDIA/Deep-Learning-Accelerator-SW/blob/main/scripts/prepare_models/retinanet_resnext50.py).
* retinanet_resnet34.onnx — RetinaNet ResNet-34 at 1280x768 (FPN P3-P7, 4-conv heads of 256, 3
  classes as NVIDIA's Waymo case study, 9 anchors), the network of NVIDIA's DLA sparsity table.
* googlenet.onnx — BVLC GoogLeNet (Inception v1, 224x224, LRN after the stem, nine inception modules,
  7x7 average pool, FC 1000, softmax "prob"), the Caffe model of the HaX-CoNN artifact
  (https://github.com/ismetdagli/HaX-CoNN/blob/87f5f25/prototxt_input_files/googlenet.prototxt),
  batch 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from onnx import TensorProto, helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_models import Builder, write_models  # noqa: E402


def _input(b: Builder, c: int, h: int, w: int):
    return helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", c, h, w])


def _relu_conv(b: Builder, x, cin, cout, k, stride=1, relu=True):
    y = b.conv(x, cin, cout, k, stride=stride, pad=k // 2)
    return b.node("Relu", [y]) if relu else y


def _bottleneck(b: Builder, x, cin, width, stride):
    out = width * 4
    y = _relu_conv(b, x, cin, width, 1)
    y = _relu_conv(b, y, width, width, 3, stride)
    y = _relu_conv(b, y, width, out, 1, relu=False)
    short = x if (stride == 1 and cin == out) else _relu_conv(b, x, cin, out, 1, stride, relu=False)
    return b.node("Relu", [b.node("Add", [y, short])]), out


def _basic(b: Builder, x, cin, cout, stride):
    y = _relu_conv(b, x, cin, cout, 3, stride)
    y = _relu_conv(b, y, cout, cout, 3, relu=False)
    short = x if (stride == 1 and cin == cout) else _relu_conv(b, x, cin, cout, 1, stride, relu=False)
    return b.node("Relu", [b.node("Add", [y, short])])


def resnet50():
    b = Builder(seed=3)
    x = _relu_conv(b, "input", 3, 64, 7, 2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c = 64
    for i, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
        for j in range(blocks):
            x, c = _bottleneck(b, x, c, width, 2 if (j == 0 and i > 0) else 1)
    x = b.node("AveragePool", [x], kernel_shape=[7, 7], strides=[7, 7])
    x = b.node("Flatten", [x], axis=1)
    name = b._name("Gemm")
    b.nodes.append(helper.make_node("Gemm", [x, b.weight("fc.weight", (1000, 2048)), b.weight("fc.bias", (1000,))],
                                    ["output"], name=name, transB=1))
    return b.model([_input(b, 3, 224, 224)], [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 1000])],
                   "resnet50")


def resnet34_backbone():
    b = Builder(seed=4)
    x = _relu_conv(b, "input", 3, 64, 7, 2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c = 64
    for i, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
        for j in range(blocks):
            x = _basic(b, x, c, width, 2 if (j == 0 and i > 0) else 1)
            c = width
    b.nodes[-1].output[0] = "output"
    return b.model([_input(b, 3, 768, 1280)],
                   [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 512, 24, 40])],
                   "resnet34_backbone")


def _silu_conv(b: Builder, x, cin, cout, k, stride=1):
    y = b.conv(x, cin, cout, k, stride=stride, pad=k // 2)
    return b.node("Mul", [y, b.node("Sigmoid", [y])])


def _c3(b: Builder, x, cin, cout, n, shortcut=True):
    h = cout // 2
    y = _silu_conv(b, x, cin, h, 1)
    for _ in range(n):
        z = _silu_conv(b, _silu_conv(b, y, h, h, 1), h, h, 3)
        y = b.node("Add", [y, z]) if shortcut else z
    return _silu_conv(b, b.node("Concat", [y, _silu_conv(b, x, cin, h, 1)], axis=1), 2 * h, cout, 1)


def _sppf(b: Builder, x, c):
    h = c // 2
    y = _silu_conv(b, x, c, h, 1)
    pools = [y]
    for _ in range(3):
        pools.append(b.node("MaxPool", [pools[-1]], kernel_shape=[5, 5], strides=[1, 1], pads=[2, 2, 2, 2]))
    return _silu_conv(b, b.node("Concat", pools, axis=1), 4 * h, c, 1)


def _upsample(b: Builder, x):
    scales = b.init(f"scales{b.counter}", __import__("numpy").array([1, 1, 2, 2], dtype="float32"))
    return b.node("Resize", [x, "", scales], mode="nearest")


def yolov5s(size: int = 672):
    b = Builder(seed=5)
    x = b.conv("input", 3, 32, 6, stride=2, pad=2)
    x = b.node("Mul", [x, b.node("Sigmoid", [x])])
    x = _silu_conv(b, x, 32, 64, 3, 2)
    x = _c3(b, x, 64, 64, 1)
    x = _silu_conv(b, x, 64, 128, 3, 2)
    p3 = _c3(b, x, 128, 128, 2)
    x = _silu_conv(b, p3, 128, 256, 3, 2)
    p4 = _c3(b, x, 256, 256, 3)
    x = _silu_conv(b, p4, 256, 512, 3, 2)
    x = _sppf(b, _c3(b, x, 512, 512, 1), 512)
    h10 = _silu_conv(b, x, 512, 256, 1)
    x = _c3(b, b.node("Concat", [_upsample(b, h10), p4], axis=1), 512, 256, 1, shortcut=False)
    h14 = _silu_conv(b, x, 256, 128, 1)
    out3 = _c3(b, b.node("Concat", [_upsample(b, h14), p3], axis=1), 256, 128, 1, shortcut=False)
    x = _silu_conv(b, out3, 128, 128, 3, 2)
    out4 = _c3(b, b.node("Concat", [x, h14], axis=1), 256, 256, 1, shortcut=False)
    x = _silu_conv(b, out4, 256, 256, 3, 2)
    out5 = _c3(b, b.node("Concat", [x, h10], axis=1), 512, 512, 1, shortcut=False)
    outs = []
    for i, (t, c) in enumerate(((out3, 128), (out4, 256), (out5, 512))):
        y = b.conv(t, c, 255, 1)
        b.nodes[-1].output[0] = f"output{i}"
        outs.append(helper.make_tensor_value_info(f"output{i}", TensorProto.FLOAT,
                                                  ["batch_size", 255, size // (8 << i), size // (8 << i)]))
    return b.model([_input(b, 3, size, size)], outs, "yolov5s")


def _named_output(b: Builder, name: str, channels: int):
    b.nodes[-1].output[0] = name
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch_size", channels, None, None])


def _resnet34_trunk(b: Builder, x, stage3_stride=2, stages=4):
    x = _relu_conv(b, x, 3, 64, 7, 2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c, feats = 64, []
    for i, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))[:stages]):
        for j in range(blocks):
            stride = (stage3_stride if i == 2 else 2) if (j == 0 and i > 0) else 1
            x = _basic(b, x, c, width, stride)
            c = width
        feats.append((x, c))
    return feats


def ssd_resnet34(size: int = 1200):
    b = Builder(seed=6)
    x, c = _resnet34_trunk(b, "input", stage3_stride=1, stages=3)[-1]       # 150x150x256
    feats = [(_relu_conv(b, x, c, 256, 3, 3), 256)]                          # 50x50
    x, c = feats[0]
    for mid, cout, stride, pad in ((256, 512, 2, 1), (256, 512, 2, 1), (128, 256, 2, 1), (128, 256, 2, 0), (128, 256, 1, 0)):
        y = _relu_conv(b, x, c, mid, 1)
        x = b.node("Relu", [b.conv(y, mid, cout, 3, stride=stride, pad=pad)])
        c = cout
        feats.append((x, c))
    outs = []
    for i, ((t, ch), anchors) in enumerate(zip(feats, (4, 6, 6, 6, 4, 4))):
        b.conv(t, ch, anchors * (4 + 81), 3, pad=1)
        outs.append(_named_output(b, f"output{i}", anchors * (4 + 81)))
    return b.model([_input(b, 3, size, size)], outs, "ssd_resnet34")


def _resnext_block(b: Builder, x, cin, width, stride):
    out = width * 2
    y = _relu_conv(b, x, cin, width, 1)
    y = b.node("Relu", [b.conv(y, width, width, 3, stride=stride, pad=1, group=32)])
    y = _relu_conv(b, y, width, out, 1, relu=False)
    short = x if (stride == 1 and cin == out) else _relu_conv(b, x, cin, out, 1, stride, relu=False)
    return b.node("Relu", [b.node("Add", [y, short])]), out


def _fpn_heads(b: Builder, c3, c4, c5, classes: int, anchors: int = 9):
    """FPN P3-P7 (256 channels) and RetinaNet's class and box heads (four 3x3 convs each) per level."""
    (t3, ch3), (t4, ch4), (t5, ch5) = c3, c4, c5
    p5 = b.conv(t5, ch5, 256, 1)
    p4 = b.node("Add", [b.conv(t4, ch4, 256, 1), _upsample(b, p5)])
    p3 = b.node("Add", [b.conv(t3, ch3, 256, 1), _upsample(b, p4)])
    levels = [b.conv(p, 256, 256, 3, pad=1) for p in (p3, p4, p5)]
    p6 = b.conv(t5, ch5, 256, 3, stride=2, pad=1)
    p7 = b.conv(b.node("Relu", [p6]), 256, 256, 3, stride=2, pad=1)
    levels += [p6, p7]
    outs = []
    for head, ch in (("cls", anchors * classes), ("box", anchors * 4)):
        for i, p in enumerate(levels):
            y = p
            for _ in range(4):
                y = _relu_conv(b, y, 256, 256, 3)
            b.conv(y, 256, ch, 3, pad=1)
            outs.append(_named_output(b, f"{head}{i}", ch))
    return outs


def retinanet_resnext50(size: int = 800):
    b = Builder(seed=7)
    x = _relu_conv(b, "input", 3, 64, 7, 2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c, feats = 64, []
    for i, (width, blocks) in enumerate(((128, 3), (256, 4), (512, 6), (1024, 3))):
        for j in range(blocks):
            x, c = _resnext_block(b, x, c, width, 2 if (j == 0 and i > 0) else 1)
        feats.append((x, c))
    outs = _fpn_heads(b, *feats[1:], classes=264)
    return b.model([_input(b, 3, size, size)], outs, "retinanet_resnext50")


def retinanet_resnet34(h: int = 768, w: int = 1280):
    b = Builder(seed=8)
    feats = _resnet34_trunk(b, "input")
    outs = _fpn_heads(b, *feats[1:], classes=3)
    return b.model([_input(b, 3, h, w)], outs, "retinanet_resnet34")


_INCEPTION = ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), None,
              (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
              (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128), None,
              (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128))


def googlenet():
    b = Builder(seed=9)

    def pool(x):
        return b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)

    def lrn(x):
        return b.node("LRN", [x], size=5, alpha=1e-4, beta=0.75)

    x = lrn(pool(_relu_conv(b, "input", 3, 64, 7, 2)))
    x = _relu_conv(b, _relu_conv(b, x, 64, 64, 1), 64, 192, 3)
    x = pool(lrn(x))
    c = 192
    for spec in _INCEPTION:
        if spec is None:
            x = pool(x)
            continue
        n1, r3, n3, r5, n5, pp = spec
        branches = [_relu_conv(b, x, c, n1, 1), _relu_conv(b, _relu_conv(b, x, c, r3, 1), r3, n3, 3),
                    _relu_conv(b, _relu_conv(b, x, c, r5, 1), r5, n5, 5),
                    _relu_conv(b, b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]), c, pp, 1)]
        x = b.node("Concat", branches, axis=1)
        c = n1 + n3 + n5 + pp
    x = b.node("Flatten", [b.node("AveragePool", [x], kernel_shape=[7, 7], strides=[1, 1])], axis=1)
    name = b._name("Gemm")
    b.nodes.append(helper.make_node("Gemm", [x, b.weight("fc.weight", (1000, c)), b.weight("fc.bias", (1000,))],
                                    ["logits"], name=name, transB=1))
    b.node("Softmax", ["logits"], axis=1)
    b.nodes[-1].output[0] = "prob"
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                   [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 1000])], "googlenet")


MODELS = {"googlenet": googlenet, "resnet50": resnet50, "resnet34_backbone": resnet34_backbone, "yolov5s": yolov5s,
          "ssd_resnet34": ssd_resnet34, "retinanet_resnext50": retinanet_resnext50,
          "retinanet_resnet34": retinanet_resnet34}


def main(out_dir: str | None = None) -> None:
    write_models(MODELS, out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
