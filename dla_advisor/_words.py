"""Words more than one package spells: each is written here once and read everywhere else.

A leaf module (it imports nothing from the package), so the bottom layers, the renderers and the
command line's option help can all read it without loading the analysis. The JSON schemas under
``report/schemas`` and the YAML under ``rules/`` are data and keep their own copies; tests hold those
equal to the constants here, so a second spelling cannot drift unseen.
"""

from __future__ import annotations

# Severities of advice rules, lowest first: the rank of one is its index. ``check --fail-on``,
# SARIF/GitHub/JUnit levels, the text counts and the rule schema all follow this order.
SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    """0 for the mildest severity; a ValueError for a word that is not one."""
    return SEVERITIES.index(severity)


def one_of(words) -> str:
    """``info, warning or error``: a list of choices as a hint sentence says it."""
    words = list(words)
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


# The SoC families a platform file or a rule's ``applies_to.soc`` may name (``woa``: DLA on Windows on ARM).
SOCS = ("orin", "xavier", "woa")

# The target when none is given: a platform id (rules/platforms/) and a device model id (rules/devices/).
DEFAULT_PLATFORM = "orin-trt10"
DEFAULT_DEVICE = "orin-agx-64gb"
# The power mode a command models or records when none is given: the ``default_power_mode`` of every
# shipped device file (rules/devices/*.yaml; a test holds them equal).
DEFAULT_POWER_MODE = "MAXN"

# Where an engine of a deployment plan runs: the GPU, or DLA core 0 or 1.
ENGINE_DEVICES = ("gpu", "dla0", "dla1")

# The envelope every ``--format json`` document starts with: which tool, which command, which version
# of that command's schema (published as ``SCHEMA_URL/<command>-<major>.json``).
TOOL = "dla-advisor"
SCHEMA_URL = "https://dla-advisor.invalid/schemas"
