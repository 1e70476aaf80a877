"""Miniature torchvision CNNs, written as ``torch.onnx.export`` emits them (opset 13-17, dynamic batch).

Each builder keeps its architecture's export *structure* (op sequence, fusion opportunities, shape
math, literal Constants, parameter naming) with a handful of channels, small inputs and 2-4 blocks,
so a whole model builds in milliseconds and nothing large is committed. Weights are random: layout
analysis reads shapes, never values. ``ZooModel.shape_math`` counts the export's shape/literal nodes.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._export import Export, ZooModel


# -- ResNet (BasicBlock, BN folded by the eval-mode export, view-based flatten as in older heads) ----
def resnet() -> ZooModel:
    e = Export("resnet", opset=13, seed=1)
    x = e.conv("input", 3, 8, 7, "/conv1", stride=2)
    x = e.relu(x, "/relu")
    x = e.node("MaxPool", [x], "/maxpool", ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    x = _basic_block(e, x, 8, 8, 1, "/layer1/layer1.0")
    x = _basic_block(e, x, 8, 16, 2, "/layer2/layer2.0")
    x = e.gap(x, "/avgpool")
    x = e.view_flat(x)
    y = e.linear(x, 16, 10, "/fc")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _basic_block(e: Export, x: str, cin: int, cout: int, stride: int, s: str, dilation: int = 1) -> str:
    y = e.relu(e.conv(x, cin, cout, 3, f"{s}/conv1", stride=stride, dilation=dilation), f"{s}/relu")
    y = e.conv(y, cout, cout, 3, f"{s}/conv2", dilation=dilation)
    if stride != 1 or cin != cout:
        x = e.conv(x, cin, cout, 1, f"{s}/downsample/downsample.0", stride=stride, pad=0)
    return e.relu(e.node("Add", [y, x], s), f"{s}/relu")


# -- MobileNet v2 (BN kept, ReLU6 = Clip with Constant bounds, inverted residuals) -----------------
def mobilenet_v2() -> ZooModel:
    e = Export("mobilenet_v2", opset=13, seed=2)
    s = "/features/features.0"
    x = e.relu6(e.conv("input", 3, 8, 3, f"{s}/features.0.0", stride=2, bn="kept"), f"{s}/features.0.2")
    x = _inverted_v2(e, x, 8, 8, 1, 1, "/features/features.1")
    x = _inverted_v2(e, x, 8, 12, 2, 6, "/features/features.2")
    x = _inverted_v2(e, x, 12, 12, 1, 6, "/features/features.3")
    s = "/features/features.4"
    x = e.relu6(e.conv(x, 12, 32, 1, f"{s}/features.4.0", bn="kept"), f"{s}/features.4.2")
    x = e.gap(x, "")
    x = e.flatten(x)
    y = e.linear(x, 32, 10, "/classifier/classifier.1")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _inverted_v2(e: Export, x: str, cin: int, cout: int, stride: int, t: int, s: str) -> str:
    hidden, y, i = cin * t, x, 0
    if t != 1:
        y = e.relu6(e.conv(y, cin, hidden, 1, f"{s}/conv/conv.0/conv.0.0", bn="kept"), f"{s}/conv/conv.0/conv.0.2")
        i = 1
    y = e.relu6(e.conv(y, hidden, hidden, 3, f"{s}/conv/conv.{i}/conv.{i}.0", stride=stride, group=hidden,
                       bn="kept"), f"{s}/conv/conv.{i}/conv.{i}.2")
    y = e.conv(y, hidden, cout, 1, f"{s}/conv/conv.{i + 1}", bn="kept")
    return e.node("Add", [x, y], s) if stride == 1 and cin == cout else y


# -- MobileNet v3 (HardSwish/HardSigmoid native at opset 17, or hand-written x*relu6(x+3)/6) -----
def mobilenet_v3(native: bool = True) -> ZooModel:
    e = Export("mobilenet_v3" if native else "mobilenet_v3_decomposed", opset=17 if native else 13, seed=3)
    s = "/features/features.0"
    x = e.hardswish(e.conv("input", 3, 8, 3, f"{s}/features.0.0", stride=2), f"{s}/features.0.2", native)
    x = _inverted_v3(e, x, 8, 8, 8, 3, 2, True, "RE", "/features/features.1", native)
    x = _inverted_v3(e, x, 8, 24, 8, 3, 1, False, "RE", "/features/features.2", native)
    x = _inverted_v3(e, x, 8, 32, 16, 5, 2, True, "HS", "/features/features.3", native)
    s = "/features/features.4"
    x = e.hardswish(e.conv(x, 16, 48, 1, f"{s}/features.4.0"), f"{s}/features.4.2", native)
    x = e.flatten(e.gap(x, "/avgpool"))
    x = e.hardswish(e.linear(x, 48, 64, "/classifier/classifier.0"), "/classifier/classifier.1", native)
    y = e.linear(x, 64, 10, "/classifier/classifier.3")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _inverted_v3(e: Export, x, cin, hidden, cout, k, stride, se, act, s, native) -> str:
    def activate(v, scope):
        return e.relu(v, scope) if act == "RE" else e.hardswish(v, scope, native)
    y, i = x, 0
    if hidden != cin:
        y = activate(e.conv(y, cin, hidden, 1, f"{s}/block/block.0/block.0.0"), f"{s}/block/block.0/block.0.2")
        i = 1
    y = activate(e.conv(y, hidden, hidden, k, f"{s}/block/block.{i}/block.{i}.0", stride=stride, group=hidden),
                 f"{s}/block/block.{i}/block.{i}.2")
    if se:
        i += 1
        ss = f"{s}/block/block.{i}"
        squeeze = max(8, hidden // 4)
        g = e.gap(y, f"{ss}/avgpool")
        g = e.relu(e.conv(g, hidden, squeeze, 1, f"{ss}/fc1", pad=0, bias=True, bn="none"), f"{ss}/activation")
        g = e.hardsigmoid(e.conv(g, squeeze, hidden, 1, f"{ss}/fc2", pad=0, bias=True, bn="none"),
                          f"{ss}/scale_activation", native)
        y = e.node("Mul", [g, y], ss)
    y = e.conv(y, hidden, cout, 1, f"{s}/block/block.{i + 1}/block.{i + 1}.0")
    return e.node("Add", [y, x], s) if stride == 1 and cin == cout else y


# -- EfficientNet (SiLU as Sigmoid*Mul, MBConv with squeeze-excitation, stochastic depth = identity) -
def efficientnet() -> ZooModel:
    e = Export("efficientnet", opset=13, seed=4)
    s = "/features/features.0"
    x = e.silu(e.conv("input", 3, 8, 3, f"{s}/features.0.0", stride=2), f"{s}/features.0.2")
    x = _mbconv(e, x, 8, 8, 1, 3, 1, "/features/features.1/features.1.0")
    x = _mbconv(e, x, 8, 16, 6, 5, 2, "/features/features.2/features.2.0")
    x = _mbconv(e, x, 16, 16, 6, 3, 1, "/features/features.2/features.2.1")
    s = "/features/features.3"
    x = e.silu(e.conv(x, 16, 64, 1, f"{s}/features.3.0"), f"{s}/features.3.2")
    x = e.flatten(e.gap(x, "/avgpool"))
    y = e.linear(x, 64, 10, "/classifier/classifier.1")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _mbconv(e: Export, x, cin, cout, t, k, stride, s) -> str:
    hidden, y, i = cin * t, x, 0
    if t != 1:
        y = e.silu(e.conv(y, cin, hidden, 1, f"{s}/block/block.0/block.0.0"), f"{s}/block/block.0/block.0.2")
        i = 1
    y = e.silu(e.conv(y, hidden, hidden, k, f"{s}/block/block.{i}/block.{i}.0", stride=stride, group=hidden),
               f"{s}/block/block.{i}/block.{i}.2")
    ss = f"{s}/block/block.{i + 1}"
    squeeze = max(2, cin // 4)
    g = e.gap(y, f"{ss}/avgpool")
    g = e.silu(e.conv(g, hidden, squeeze, 1, f"{ss}/fc1", pad=0, bias=True, bn="none"), f"{ss}/activation")
    g = e.node("Sigmoid", [e.conv(g, squeeze, hidden, 1, f"{ss}/fc2", pad=0, bias=True, bn="none")],
               f"{ss}/scale_activation")
    y = e.node("Mul", [g, y], ss)
    y = e.conv(y, hidden, cout, 1, f"{s}/block/block.{i + 2}/block.{i + 2}.0")
    return e.node("Add", [y, x], s) if stride == 1 and cin == cout else y


# -- ShuffleNet v2 (chunk = Split, channel shuffle = 5-D Reshape/Transpose/Reshape with shape math) ---
def shufflenet() -> ZooModel:
    e = Export("shufflenet", opset=13, seed=5)
    x = e.relu(e.conv("input", 3, 8, 3, "/conv1/conv1.0", stride=2, bn="kept"), "/conv1/conv1.2")
    x = e.node("MaxPool", [x], "/maxpool", ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    x = _shuffle_unit(e, x, 8, 16, 2, "/stage2/stage2.0")
    x = _shuffle_unit(e, x, 16, 16, 1, "/stage2/stage2.1")
    x = e.relu(e.conv(x, 16, 32, 1, "/conv5/conv5.0", bn="kept"), "/conv5/conv5.2")
    x = e.node("ReduceMean", [x], "", axes=[2, 3], keepdims=0)  # x.mean([2, 3])
    y = e.linear(x, 32, 10, "/fc")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _shuffle_unit(e: Export, x, cin, cout, stride, s) -> str:
    half = cout // 2
    if stride == 1:
        x1, x2 = e.node("Split", [x, e.const([half, half], s)], s, n_out=2, axis=1)
        b2_in, b2_cin = x2, half
    else:
        b1 = e.conv(x, cin, cin, 3, f"{s}/branch1/branch1.0", stride=2, group=cin, bn="kept")
        x1 = e.relu(e.conv(b1, cin, half, 1, f"{s}/branch1/branch1.2", bn="kept"), f"{s}/branch1/branch1.4")
        b2_in, b2_cin = x, cin
    b = e.relu(e.conv(b2_in, b2_cin, half, 1, f"{s}/branch2/branch2.0", bn="kept"), f"{s}/branch2/branch2.2")
    b = e.conv(b, half, half, 3, f"{s}/branch2/branch2.3", stride=stride, group=half, bn="kept")
    b = e.relu(e.conv(b, half, half, 1, f"{s}/branch2/branch2.5", bn="kept"), f"{s}/branch2/branch2.7")
    out = e.node("Concat", [x1, b], s, axis=1)
    return _channel_shuffle(e, out, 2, s)


def _channel_shuffle(e: Export, x, groups, s) -> str:
    """torchvision's channel_shuffle: sizes read with x.size(), so every dim is traced shape math."""
    n, c, h, w = (e.scalar_dim(x, i, s) for i in range(4))
    cpg = e.floordiv(c, e.const(groups, s), s)
    v = e.reshape(x, [e.unsqueeze0(n, s), e.const([groups], s), e.unsqueeze0(cpg, s), e.unsqueeze0(h, s),
                      e.unsqueeze0(w, s)], s)
    v = e.node("Transpose", [v], s, perm=[0, 2, 1, 3, 4])
    return e.reshape(v, [e.unsqueeze0(n, s), e.const([-1], s), e.unsqueeze0(h, s), e.unsqueeze0(w, s)], s)


# -- GoogLeNet (Inception branches + Concat, MaxPool ceil_mode, BN kept with eps 1e-3) -------------
def googlenet() -> ZooModel:
    e = Export("googlenet", opset=13, seed=6)
    x = e.relu(e.conv("input", 3, 8, 7, "/conv1/conv", stride=2, bn="kept"), "/conv1")
    x = _ceil_pool(e, x, "/maxpool1")
    x = e.relu(e.conv(x, 8, 8, 1, "/conv2/conv", bn="kept"), "/conv2")
    x = e.relu(e.conv(x, 8, 16, 3, "/conv3/conv", bn="kept"), "/conv3")
    x = _ceil_pool(e, x, "/maxpool2")
    x = _inception(e, x, 16, (4, 4, 8, 2, 4, 4), "/inception3a")
    x = _inception(e, x, 20, (8, 4, 8, 2, 4, 4), "/inception3b")
    x = _ceil_pool(e, x, "/maxpool3")
    x = e.flatten(e.gap(x, "/avgpool"))
    y = e.linear(x, 24, 10, "/fc")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _ceil_pool(e: Export, x, s, stride=2, pad=0) -> str:
    return e.node("MaxPool", [x], s, ceil_mode=1, kernel_shape=[3, 3], pads=[pad] * 4, strides=[stride, stride])


def _inception(e: Export, x, cin, ch, s) -> str:
    c1, c3r, c3, c5r, c5, pp = ch

    def basic(v, ci, co, k, scope):
        return e.relu(e.conv(v, ci, co, k, f"{scope}/conv", bn="kept"), scope)
    b1 = basic(x, cin, c1, 1, f"{s}/branch1")
    b2 = basic(basic(x, cin, c3r, 1, f"{s}/branch2/branch2.0"), c3r, c3, 3, f"{s}/branch2/branch2.1")
    b3 = basic(basic(x, cin, c5r, 1, f"{s}/branch3/branch3.0"), c5r, c5, 3, f"{s}/branch3/branch3.1")
    b4 = basic(_ceil_pool(e, x, f"{s}/branch4/branch4.0", stride=1, pad=1), cin, pp, 1, f"{s}/branch4/branch4.1")
    return e.node("Concat", [b1, b2, b3, b4], s, axis=1)


# -- DenseNet (pre-activation BN→ReLU→Conv that cannot fold, dense Concat, AvgPool transition) -----
def densenet() -> ZooModel:
    e = Export("densenet", opset=13, seed=7)
    # A parameter used twice is exported once and read through an Identity node (torch dedups
    # initializers that way); the weight stays a build-time constant.
    w = e.identity(e.param("features.conv0.weight", (16, 3, 7, 7)), "")
    x = e.node("Conv", ["input", w], "/features/conv0", dilations=[1, 1], group=1, kernel_shape=[7, 7],
               pads=[3, 3, 3, 3], strides=[2, 2])
    x = e.relu(e.batchnorm(x, 16, "/features/norm0"), "/features/relu0")
    x = e.node("MaxPool", [x], "/features/pool0", ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
               strides=[2, 2])
    x, c = _dense_block(e, x, 16, "/features/denseblock1")
    s = "/features/transition1"
    x = e.conv(e.relu(e.batchnorm(x, c, f"{s}/norm"), f"{s}/relu"), c, c // 2, 1, f"{s}/conv", bn="none")
    x = e.node("AveragePool", [x], f"{s}/pool", ceil_mode=0, kernel_shape=[2, 2], pads=[0, 0, 0, 0],
               strides=[2, 2])
    x, c = _dense_block(e, x, c // 2, "/features/denseblock2")
    x = e.relu(e.batchnorm(x, c, "/features/norm5"), "")
    x = e.flatten(e.gap(x, ""))
    y = e.linear(x, c, 10, "/classifier")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _dense_block(e: Export, x, c, s, layers=2, growth=4, bn_size=2):
    feats = [x]
    for i in range(1, layers + 1):
        ls = f"{s}/denselayer{i}"
        cat = e.node("Concat", list(feats), ls, axis=1)  # torch.cat(inputs, 1), even of a single tensor
        cin = c + growth * (i - 1)
        y = e.conv(e.relu(e.batchnorm(cat, cin, f"{ls}/norm1"), f"{ls}/relu1"), cin, bn_size * growth, 1,
                   f"{ls}/conv1", bn="none")
        y = e.conv(e.relu(e.batchnorm(y, bn_size * growth, f"{ls}/norm2"), f"{ls}/relu2"), bn_size * growth,
                   growth, 3, f"{ls}/conv2", bn="none")
        feats.append(y)
    return e.node("Concat", feats, s, axis=1), c + growth * layers


# -- RegNetY (grouped 3x3 convs, squeeze-excitation, projection shortcut) -------------------------
def regnet() -> ZooModel:
    e = Export("regnet", opset=13, seed=8)
    x = e.relu(e.conv("input", 3, 8, 3, "/stem/stem.0", stride=2), "/stem/stem.2")
    x = _res_bottleneck(e, x, 8, 16, 2, 8, "/trunk_output/block1/block1-0")
    x = _res_bottleneck(e, x, 16, 16, 1, 8, "/trunk_output/block1/block1-1")
    x = _res_bottleneck(e, x, 16, 32, 2, 8, "/trunk_output/block2/block2-0")
    x = e.flatten(e.gap(x, "/avgpool"))
    y = e.linear(x, 32, 10, "/fc")
    return e.finish("input", (1, 3, 64, 64), {y: "output"})


def _res_bottleneck(e: Export, x, cin, cout, stride, group_width, s) -> str:
    f = f"{s}/f"
    y = e.relu(e.conv(x, cin, cout, 1, f"{f}/a/a.0"), f"{f}/a/a.2")
    y = e.relu(e.conv(y, cout, cout, 3, f"{f}/b/b.0", stride=stride, group=cout // group_width), f"{f}/b/b.2")
    squeeze = max(2, cin // 4)
    g = e.gap(y, f"{f}/se/avgpool")
    g = e.relu(e.conv(g, cout, squeeze, 1, f"{f}/se/fc1", pad=0, bias=True, bn="none"), f"{f}/se/activation")
    g = e.node("Sigmoid", [e.conv(g, squeeze, cout, 1, f"{f}/se/fc2", pad=0, bias=True, bn="none")],
               f"{f}/se/scale_activation")
    y = e.node("Mul", [g, y], f"{f}/se")
    y = e.conv(y, cout, cout, 1, f"{f}/c/c.0")
    if stride != 1 or cin != cout:
        x = e.conv(x, cin, cout, 1, f"{s}/proj/proj.0", stride=stride, pad=0)
    return e.relu(e.node("Add", [x, y], s), f"{s}/activation")


# -- ConvNeXt (dw 7x7, channel-last LayerNorm + Linear + GELU, layer scale) ------------------------
def convnext(native_layernorm: bool = False) -> ZooModel:
    e = Export("convnext_ln17" if native_layernorm else "convnext", opset=17 if native_layernorm else 13, seed=9)
    ln = _layernorm_native if native_layernorm else _layernorm_decomposed
    x = e.conv("input", 3, 16, 4, "/features/features.0/features.0.0", stride=4, pad=0, bias=True, bn="none")
    x = _layernorm2d(e, x, 16, "/features/features.0/features.0.1", ln)
    x = _cnblock(e, x, 16, "/features/features.1/features.1.0", ln)
    x = _cnblock(e, x, 16, "/features/features.1/features.1.1", ln)
    x = _layernorm2d(e, x, 16, "/features/features.2/features.2.0", ln)
    x = e.conv(x, 16, 32, 2, "/features/features.2/features.2.1", stride=2, pad=0, bias=True, bn="none")
    x = _cnblock(e, x, 32, "/features/features.3/features.3.0", ln)
    x = _layernorm2d(e, e.gap(x, "/avgpool"), 32, "/classifier/classifier.0", ln)
    y = e.linear(e.flatten(x, "/classifier/classifier.1"), 32, 10, "/classifier/classifier.2")
    return e.finish("input", (1, 3, 32, 32), {y: "output"})


def _layernorm_decomposed(e: Export, x, c, s) -> str:
    """F.layer_norm over the last dim below opset 17 (torch's native_layer_norm symbolic)."""
    mean = e.node("ReduceMean", [x], s, axes=[-1], keepdims=1)
    d = e.node("Sub", [x, mean], s)
    var = e.node("ReduceMean", [e.node("Pow", [d, e.const(2.0, s, np.float32)], s)], s, axes=[-1], keepdims=1)
    den = e.node("Sqrt", [e.node("Add", [var, e.const(1e-6, s, np.float32)], s)], s)
    y = e.node("Mul", [e.node("Div", [d, den], s), e.param(f"{_q(s)}.weight", (c,))], s)
    return e.node("Add", [y, e.param(f"{_q(s)}.bias", (c,))], s)


def _layernorm_native(e: Export, x, c, s) -> str:
    return e.node("LayerNormalization", [x, e.param(f"{_q(s)}.weight", (c,)), e.param(f"{_q(s)}.bias", (c,))],
                  s, axis=-1, epsilon=1e-6)


def _layernorm2d(e: Export, x, c, s, ln) -> str:
    """torchvision's LayerNorm2d: permute to NHWC, layer_norm, permute back."""
    x = e.node("Transpose", [x], s, perm=[0, 2, 3, 1])
    return e.node("Transpose", [ln(e, x, c, s)], s, perm=[0, 3, 1, 2])


def _cnblock(e: Export, x, c, s, ln) -> str:
    y = e.conv(x, c, c, 7, f"{s}/block/block.0", group=c, bias=True, bn="none")
    y = e.node("Transpose", [y], f"{s}/block/block.1", perm=[0, 2, 3, 1])
    y = ln(e, y, c, f"{s}/block/block.2")
    y = e.gelu(e.linear_nd(y, c, 4 * c, f"{s}/block/block.3"), f"{s}/block/block.4")
    y = e.linear_nd(y, 4 * c, c, f"{s}/block/block.5")
    y = e.node("Transpose", [y], f"{s}/block/block.6", perm=[0, 3, 1, 2])
    y = e.node("Mul", [e.param(f"{_q(s)}.layer_scale", (c, 1, 1)), y], s)
    return e.node("Add", [y, x], s)


# -- ViT (patch conv, class token via Expand shape math, LayerNorm 17, attention MatMuls, Gather) ---
def vit() -> ZooModel:
    e = Export("vit", opset=17, seed=10)
    d, p, img = 16, 8, 32
    n, h, w = (e.scalar_dim("input", i) for i in (0, 2, 3))
    n_h = e.floordiv(h, e.const(p))
    n_w = e.floordiv(w, e.const(p))
    hw = e.node("Mul", [n_h, n_w], "", shape_math=True)
    x = e.conv("input", 3, d, p, "/conv_proj", stride=p, pad=0, bias=True, bn="none")
    x = e.reshape(x, [e.unsqueeze0(n), e.const([d]), e.unsqueeze0(hw)])
    x = e.node("Transpose", [x], "", perm=[0, 2, 1])
    cls = _expand_class_token(e, e.param("class_token", (1, 1, d)), n)
    x = e.node("Concat", [cls, x], "", axis=1)
    x = e.node("Add", [x, e.param("encoder.pos_embedding", (1, (img // p) ** 2 + 1, d))], "/encoder")
    x = e.identity(x, "/encoder/dropout")
    for i in range(2):
        x = _encoder_block(e, x, d, 2, f"/encoder/layers/encoder_layer_{i}")
    x = _layernorm_native(e, x, d, "/encoder/ln")
    x = e.node("Gather", [x, e.const(0)], "", axis=1)  # x[:, 0]
    y = e.linear(x, d, 10, "/heads/head")
    return e.finish("input", (1, 3, img, img), {y: "output"})


def _expand_class_token(e: Export, token: str, n: str) -> str:
    """``class_token.expand(n, -1, -1)``: torch's expand symbolic turns -1 into 1 via ConstantOfShape/Where."""
    sm = dict(shape_math=True)
    parts = [e.unsqueeze0(n), e.unsqueeze0(e.const(-1)), e.unsqueeze0(e.const(-1))]
    size = e.node("Reshape", [e.node("Concat", parts, "", axis=0, **sm), e.const([-1])], "", **sm)
    ones = e.node("ConstantOfShape", [e.node("Shape", [size], "", **sm)], "",
                  value=_int64_tensor(1), **sm)
    neg = e.node("Mul", [ones, e.const(-1)], "", **sm)
    size = e.node("Where", [e.node("Equal", [size, neg], "", **sm), ones, size], "", **sm)
    return e.node("Expand", [token, size], "", **sm)


def _int64_tensor(v):
    from onnx import numpy_helper
    return numpy_helper.from_array(np.asarray([v], dtype=np.int64))


def _encoder_block(e: Export, x, d, heads, s) -> str:
    y = _layernorm_native(e, x, d, f"{s}/ln_1")
    y = _attention(e, y, d, heads, f"{s}/self_attention")
    x = e.node("Add", [y, x], s)
    y = _layernorm_native(e, x, d, f"{s}/ln_2")
    y = e.gelu(e.linear_nd(y, d, 2 * d, f"{s}/mlp/mlp.0"), f"{s}/mlp/mlp.1")
    y = e.linear_nd(y, 2 * d, d, f"{s}/mlp/mlp.3")
    return e.node("Add", [x, y], s)


def _attention(e: Export, x, d, heads, s) -> str:
    dh = d // heads
    b, length = e.scalar_dim(x, 0, s), e.scalar_dim(x, 1, s)
    qkv = e.linear_nd(x, d, 3 * d, f"{s}/in_proj")
    q, k, v = e.node("Split", [qkv, e.const([d, d, d], s)], s, n_out=3, axis=-1)

    def heads_first(t, perm):
        t = e.reshape(t, [e.unsqueeze0(b, s), e.unsqueeze0(length, s), e.const([heads], s), e.const([dh], s)], s)
        return e.node("Transpose", [t], s, perm=perm)
    q, k, v = heads_first(q, [0, 2, 1, 3]), heads_first(k, [0, 2, 3, 1]), heads_first(v, [0, 2, 1, 3])
    scores = e.node("Mul", [e.node("MatMul", [q, k], s), e.const(dh ** -0.5, s, np.float32)], s)
    ctx = e.node("MatMul", [e.node("Softmax", [scores], s, axis=-1), v], s)
    ctx = e.node("Transpose", [ctx], s, perm=[0, 2, 1, 3])
    ctx = e.reshape(ctx, [e.unsqueeze0(b, s), e.unsqueeze0(length, s), e.const([d], s)], s)
    return e.linear_nd(ctx, d, d, f"{s}/out_proj")


# -- DeepLabV3 (dilated backbone, ASPP with pooling branch, size-based bilinear Resize) ------------
def deeplabv3() -> ZooModel:
    e = Export("deeplabv3", opset=13, seed=11)
    x = e.relu(e.conv("input", 3, 8, 7, "/backbone/conv1", stride=2), "/backbone/relu")
    x = e.node("MaxPool", [x], "/backbone/maxpool", ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
               strides=[2, 2])
    x = _basic_block(e, x, 8, 8, 1, "/backbone/layer1/layer1.0")
    x = _basic_block(e, x, 8, 16, 2, "/backbone/layer2/layer2.0")
    x = _basic_block(e, x, 16, 16, 1, "/backbone/layer3/layer3.0", dilation=2)
    x = _basic_block(e, x, 16, 16, 1, "/backbone/layer4/layer4.0", dilation=4)
    s = "/classifier/classifier.0"
    branches = [e.relu(e.conv(x, 16, 8, 1, f"{s}/convs/convs.0/convs.0.0", pad=0), f"{s}/convs/convs.0/convs.0.2")]
    for i, rate in enumerate((12, 24, 36), start=1):
        c = e.conv(x, 16, 8, 3, f"{s}/convs/convs.{i}/convs.{i}.0", dilation=rate)
        branches.append(e.relu(c, f"{s}/convs/convs.{i}/convs.{i}.2"))
    ps = f"{s}/convs/convs.4"
    g = e.relu(e.conv(e.gap(x, f"{ps}/convs.4.0"), 16, 8, 1, f"{ps}/convs.4.1", pad=0), f"{ps}/convs.4.3")
    branches.append(_resize_to(e, g, x, ps))
    x = e.node("Concat", branches, s, axis=1)
    x = e.relu(e.conv(x, 40, 8, 1, f"{s}/project/project.0", pad=0), f"{s}/project/project.2")
    x = e.relu(e.conv(x, 8, 8, 3, "/classifier/classifier.1"), "/classifier/classifier.3")
    x = e.conv(x, 8, 4, 1, "/classifier/classifier.4", pad=0, bias=True, bn="none")
    y = _resize_to(e, x, "input", "")
    return e.finish("input", (1, 3, 64, 64), {y: "out"})


def _resize_to(e: Export, x: str, like: str, s: str) -> str:
    """F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False) at opset 13."""
    sm = dict(shape_math=True)
    size = e.node("Concat", [e.dim(like, 2, s), e.dim(like, 3, s)], s, axis=0, **sm)
    size = e.node("Cast", [size], s, to=7, **sm)
    lead = e.node("Slice", [e.node("Shape", [x], s, **sm), e.const([0], s), e.const([2], s), e.const([0], s)], s, **sm)
    sizes = e.node("Concat", [lead, size], s, axis=0, **sm)
    empty = np.zeros((0,), np.float32)
    return e.node("Resize", [x, e.const(empty, s, np.float32), e.const(empty, s, np.float32), sizes], s,
                  coordinate_transformation_mode="pytorch_half_pixel", cubic_coeff_a=-0.75, mode="linear",
                  nearest_mode="floor")


def _q(scope: str) -> str:
    from ._export import _dotted
    return _dotted(scope)


BUILDERS: dict[str, Callable[[], ZooModel]] = {
    "resnet": resnet,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3": mobilenet_v3,
    "mobilenet_v3_decomposed": lambda: mobilenet_v3(native=False),
    "efficientnet": efficientnet,
    "shufflenet": shufflenet,
    "googlenet": googlenet,
    "densenet": densenet,
    "regnet": regnet,
    "convnext": convnext,
    "convnext_ln17": lambda: convnext(native_layernorm=True),
    "vit": vit,
    "deeplabv3": deeplabv3,
}
