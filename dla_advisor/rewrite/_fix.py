"""The `fix` pipeline without I/O: rewrite, verify, name the culprit on a mismatch, predict before/after."""

from __future__ import annotations

import onnx

from ._apply import RewriteResult, apply_rewrites
from ._context import DlaLimits
from ._registry import Rewrite
from ._verify import Verification, VerificationFailed, verify


def rewrite_and_verify(model: onnx.ModelProto, rewrites: tuple[Rewrite, ...], limits: DlaLimits,
                       shapes: dict[str, tuple[int, ...]] | None = None, atol: float = 1e-4, rtol: float = 1e-4,
                       seed: int = 0) -> tuple[RewriteResult, Verification]:
    """Apply ``rewrites`` and prove the result matches ``model`` on random inputs.

    Raises:
        VerificationFailed: an output differs beyond the tolerance; the message gives the measured
            difference and the rewrite(s) that cause it.
        ModelLoadError: onnxruntime cannot run ``model``.
        BackendUnavailable: onnxruntime is not installed.
    """
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
