"""The `fix` pipeline without I/O: rewrite, verify, name the culprit on a mismatch, predict before/after."""

from __future__ import annotations

import onnx

from ._apply import RewriteResult, apply_rewrites
from ._context import DlaLimits
from ._registry import Rewrite
from ._qdq_verify import DEFAULT_TOLERANCE, verify_translation
from ._verify import Verification, VerificationFailed, verify

QDQ_REWRITE = "qdq-to-calib"


def rewrite_and_verify(model: onnx.ModelProto, rewrites: tuple[Rewrite, ...], limits: DlaLimits,
                       shapes: dict[str, tuple[int, ...]] | None = None, atol: float = 1e-4, rtol: float = 1e-4,
                       seed: int = 0, qdq_tolerance: float = DEFAULT_TOLERANCE) -> tuple[RewriteResult, Verification]:
    """Apply ``rewrites`` and prove the result matches ``model`` on random inputs.

    qdq-to-calib is not exact (it drops the Q/DQ rounding), so it runs as a first stage checked by
    :func:`verify_translation` (round trip + quantization error within ``qdq_tolerance``); the exact
    rewrites then run on its result and are checked against it with ``atol``/``rtol``.

    Returns:
        ``(result, verification)``; where Q/DQ was translated, ``result.extras`` holds ``int8_scales``
        (tensor → scale for the calibration cache) and ``quant_check`` (the :class:`QuantCheck`).

    Raises:
        VerificationFailed: an output differs beyond the tolerance; the message gives the measured
            difference and the rewrite(s) that cause it.
        ModelLoadError: onnxruntime cannot run ``model``.
        BackendUnavailable: onnxruntime is not installed.
    """
    first = tuple(r for r in rewrites if r.name == QDQ_REWRITE)
    if first:
        stage = apply_rewrites(model, first, limits)
        if stage.changed:
            scales = stage.extras.get("int8_scales", {})
            quant_check = verify_translation(model, stage.model, scales, stage.extras.get("qdq_params", {}),
                                             stage.extras.get("int8_readers"), shapes=shapes,
                                             tolerance=qdq_tolerance, seed=seed)
            if not quant_check.ok:
                raise VerificationFailed(
                    f"the Q/DQ-free model does not match the Q/DQ model: {quant_check.describe_failure()}; nothing was written",
                    "Report it as a bug, or raise --qdq-tolerance if the model's own quantization error is that large.")
            rest = tuple(r for r in rewrites if r.name != QDQ_REWRITE)
            result, check = _exact_stage(stage.model, rest, limits, shapes, atol, rtol, seed)
            return RewriteResult(result.model, stage.sites + result.sites, stage.notes + result.notes,
                                 {**stage.extras, **result.extras, "quant_check": quant_check}), check
    return _exact_stage(model, rewrites, limits, shapes, atol, rtol, seed)


def _exact_stage(model, rewrites, limits, shapes, atol, rtol, seed) -> tuple[RewriteResult, Verification]:
    result = apply_rewrites(model, rewrites, limits)
    check = verify(model, result.model, shapes=shapes, atol=atol, rtol=rtol, seed=seed)
    if check.ok:
        return result, check
    culprits = _culprits(model, rewrites, result, limits, shapes, atol, rtol, seed)
    who = f"rewrite(s) {', '.join(culprits)}" if culprits else "the combination of rewrites"
    keep = [r.name for r in rewrites if r.name not in culprits]
    hint = (f"Run without them (--rewrites {','.join(keep)}) and report the mismatch as a bug"
            if culprits and keep else "Report the mismatch as a bug")
    raise VerificationFailed(
        f"the rewritten model does not compute the same outputs: {check.describe_failure()}, caused by {who}; "
        "nothing was written", hint + " (the measured difference is above).")


def _culprits(model, rewrites, result, limits, shapes, atol, rtol, seed) -> list[str]:
    """The rewrites that change the outputs when applied alone."""
    bad = []
    for rw in rewrites:
        if dict(result.sites).get(rw.name, 0) == 0:
            continue
        alone = apply_rewrites(model, (rw,), limits)
        if not verify(model, alone.model, shapes=shapes, atol=atol, rtol=rtol, seed=seed).ok:
            bad.append(rw.name)
    return bad


def predicted_layouts(original: onnx.ModelProto, rewritten: onnx.ModelProto, platform, config, name: str = "model"):
    """Networks and predicted EngineLayouts of both models on ``platform`` with ``config``.

    Returns:
        ``((network_before, layout_before), (network_after, layout_after))``.
    """
    from ..graph import network_from_model
    from ..layout import predict

    shapes = config.shapes_dict() if config is not None else None
    batch = config.batch if config is not None else None
    out = []
    for model in (original, rewritten):
        net = network_from_model(model, name=name, shapes=shapes, batch=batch)
        out.append((net, predict(net, platform, config)))
    return out[0], out[1]
