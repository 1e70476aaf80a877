"""DLA targets: loading and validating ``rules/platforms/*.yaml``."""

from ._platform import DEFAULT_PLATFORM, SCHEMA, Platform, list_platforms, load_platform, platforms_dir

__all__ = ["DEFAULT_PLATFORM", "SCHEMA", "Platform", "list_platforms", "load_platform", "platforms_dir"]
