"""The registry of ``check`` formats: format name -> ``render_check(report) -> str``.

It sits in this leaf module (it imports no format): each format module registers its function with
``@CHECK_FORMATS.register(name, order=...)``, and ``report/__init__`` imports the format modules. The
``--format`` choices of ``check`` are read from it when the command line is parsed. (``html`` is not a
``check`` format here: the page needs the layouts as well, so it renders from the API's result.)
"""

from __future__ import annotations

from typing import Callable

from .._registry import Registry

CHECK_FORMATS: Registry[Callable[..., str]] = Registry("check format")
