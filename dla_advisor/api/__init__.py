"""The Python API: the use cases of the ``dla-advisor`` command as functions.

Each function takes keyword arguments that mirror the CLI options and returns a result object with
typed attributes, ``to_dict()`` (the command's JSON document, same schema) and ``to_html()`` (the
self-contained HTML report). Bad input raises :class:`~dla_advisor.errors.DlaAdvisorError`
subclasses, never ``SystemExit``.

    >>> import dla_advisor
    >>> result = dla_advisor.advise("model.onnx", platform="orin-trt10", precision="int8")
    >>> result.layout.summary()["gpu_layers"], [f.rule_id for f in result.findings]
"""

from ._analyse import advise, check, estimate, inspect
from ._optimise import calibrate, fix, tune
from ._split import SplitResult, split
from ._results import (AdviseResult, CalibrateResult, CheckResult, EstimateResult, FixResult, InspectResult, Result,
                       TuneResult)

__all__ = ["advise", "inspect", "check", "estimate", "calibrate", "tune", "fix", "split", "Result", "AdviseResult",
           "InspectResult", "CheckResult", "EstimateResult", "CalibrateResult", "TuneResult", "FixResult", "SplitResult"]
