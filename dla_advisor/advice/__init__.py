"""The rule engine: rule files in, findings with exact, version-aware fixes out.

``load_rules`` reads ``rules/advice/*.yaml`` (plus ``--rules`` folders) and validates every entry;
``evaluate`` runs the rules' named detectors over an :class:`~dla_advisor.layout.EngineLayout` and
returns :class:`Finding` values. Nothing here prints.
"""

from ._evaluate import applies, evaluate
from ._explain import explain_rule
from ._loader import builtin_rules_dir, load_rule_file, load_rules
from ._registry import DETECTORS, Detector, detector, get_detectors
from ._ruleset import RuleSet
from ._types import SEVERITIES, Finding, Fix, Hit, Rule, severity_rank
from ._versions import VersionRange, parse_range, platform_range
from . import detectors  # noqa: E402,F401  (the plug-in package registers the built-in detectors)

__all__ = [
    "applies", "evaluate", "explain_rule", "builtin_rules_dir", "load_rule_file", "load_rules", "DETECTORS",
    "Detector", "detector", "get_detectors", "RuleSet", "SEVERITIES", "Finding", "Fix", "Hit", "Rule",
    "severity_rank", "VersionRange", "parse_range", "platform_range",
]
