"""Built-in detectors; importing this package registers them."""

from . import build, fallback, io, partition, precision  # noqa: F401
