"""The package version, in a leaf module any layer may import (the package root loads the API)."""

__version__ = "0.1.0"
