"""dla-advisor: predict and fix how TensorRT places a network on NVIDIA DLA and GPU."""

__version__ = "0.1.0"
__all__ = ["__version__"]
