"""Bounds shared by option parsing (cli/_types.py), the importer and the Python API.

Past these a network cannot be built for any DLA target, so the importer refuses it (one line, exit
2) instead of handing it to onnx's shape inference or the cost model:

* ``MAX_DIM``: TensorRT's ``Dims`` held ``int32_t`` extents up to TensorRT 9 (``NvInferRuntimeBase.h``),
  so the 8.x platforms cannot take a larger extent. DLA's own limit is far lower (C, H, W <= 8192),
  but that is a placement rule with a reason, not an import error.
* ``MAX_TENSOR_ELEMENTS``: the largest Jetson or DRIVE board has 64 GB of DRAM shared by CPU, GPU and
  DLA (https://developer.nvidia.com/embedded/jetson-modules); a tensor of more than 2**36 elements
  (64 GiB at one byte each) cannot exist on one.
* ``MAX_RANK``: ``nvinfer1::Dims::MAX_DIMS`` is 8.
"""

MAX_DIM = 2**31 - 1
MAX_TENSOR_ELEMENTS = 2**36
MAX_RANK = 8

# numpy's and Optuna's samplers take seeds in [0, 2**32).
MAX_SEED = 2**32 - 1
# A study of more trials than this is no longer a search that finishes on a board.
MAX_TRIALS = 100_000
# Seconds: a day bounds timeouts, measurement durations and heartbeats.
MAX_SECONDS = 86_400.0
