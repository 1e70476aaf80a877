"""Sizes past which a network cannot be built for any DLA target; shared by options and the importer.

TensorRT's ``Dims`` held 32-bit extents up to TensorRT 9 (``int32_t d[MAX_DIMS]``) and TensorRT 10's
``Dims64`` still caps what the ONNX parser accepts per dimension at the signed 32-bit range for
the layers DLA runs; and the largest Jetson or DRIVE board has 64 GB of DRAM shared by CPU, GPU and
DLA (https://developer.nvidia.com/embedded/jetson-modules), so a tensor of more than 2**36 elements
(64 GiB at one byte each) cannot exist on one.
"""

MAX_DIM = 2**31 - 1
MAX_TENSOR_ELEMENTS = 2**36
MAX_RANK = 8  # nvinfer1::Dims::MAX_DIMS
