"""dla-advisor: predict and fix how TensorRT places a network on NVIDIA DLA and GPU.

The Python API (``dla_advisor.advise``, ``inspect``, ``check``, ``estimate``, ``calibrate``, ``tune``,
``fix``) lives in :mod:`dla_advisor.api` and is loaded on first use, so ``import dla_advisor`` and
``dla-advisor --help`` stay fast.
"""

from ._version import __version__

_API = ("advise", "inspect", "check", "estimate", "calibrate", "tune", "fix", "split")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'dla_advisor' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))
