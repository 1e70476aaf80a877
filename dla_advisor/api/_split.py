"""split: a DLA part and a GPU part of one model, verified, with the modelled pipeline beside the GPU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ._options import build_config, check_precision, path_text, spec_text
from ._results import Result, _graph


@dataclass(frozen=True)
class SplitResult(Result):
    """``report`` (rewrite.SplitResult: parts, cut, verification), ``throughput`` (modelled), ``platform``."""

    report: Any
    throughput: dict
    platform: str

    @property
    def dla_path(self) -> str:
        return self.report.dla_path

    @property
    def gpu_path(self) -> str | None:
        return self.report.gpu_path

    def to_dict(self) -> dict[str, Any]:
        from ..report import split_document
        return split_document(self.report, self.throughput, self.platform)

    def _html_extras(self):
        from ..report import HtmlExtras
        r = self.report
        graphs = [_graph("DLA part", r.dla_layout, r.dla_network)]
        if r.gpu_layout is not None:
            graphs.append(_graph("GPU part", r.gpu_layout, r.gpu_network))
        return HtmlExtras(graphs=graphs)


def split(model, out_dir, *, at="auto", precision: str = "fp16", platform: str | None = None, shapes=None,
          dla_core: int = 0, verify: bool = True, atol: float = 1e-3, rtol: float = 1e-3, seed: int = 0,
          device: str | None = None, power_mode: str | None = None) -> SplitResult:
    """Write ``<stem>.dla.onnx`` and ``<stem>.gpu.onnx`` into ``out_dir`` (``dla-advisor split``).

    ``at`` is ``"auto"`` (the largest DLA-clean prefix) or the tensors the DLA part hands over
    (a list or a comma-separated string). Raises ``VerificationFailed`` (nothing written) when the
    two parts in sequence do not reproduce the model's outputs.
    """
    from .. import rewrite as rw
    from ..platforms import load_platform

    config = build_config(precision=check_precision(precision), shapes=spec_text(shapes, "--shapes"), batch=None, gpu_fallback=True,
                          dla_core=dla_core)
    at_list = [t.strip() for t in (at.split(",") if isinstance(at, str) else list(at or ())) if t.strip()] or ["auto"]
    if "auto" in at_list and len(at_list) > 1:
        raise UsageError("--at mixes auto with tensor names", "Give --at auto, or only tensor names.")
    plat = load_platform(platform)
    report = rw.split_model(path_text(model), path_text(out_dir), plat, config, at=at_list, atol=atol, rtol=rtol,
                            seed=seed, verify=verify)
    if verify and not report.verified:
        bad = [o for o in report.outputs if not o.ok]
        detail = "; ".join(f"{o.name} {o.detail or f'differs by up to {o.max_abs_diff:.3g}'}" for o in bad)
        raise rw.VerificationFailed(f"the two parts do not reproduce the model: {detail}; nothing was written",
                                    "Report this as a bug with the model, or cut elsewhere with --at.")
    return SplitResult(report, _throughput(report, plat, config, device, power_mode), plat.id)


def _throughput(result, plat, config, device, power_mode) -> dict:
    """Modelled images/s: the two engines pipelined (one process) and the whole model on the GPU."""
    from ..layout import predict
    from ..perf import EngineSpec, estimate_concurrent, estimate_engine, load_device
    from ..perf._device import device_for_platform

    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)
    batch = next((s[0] for _, s in config.shapes), 1) if config.shapes else 1
    specs = [EngineSpec(result.dla_network, result.dla_layout, result.dla_config, device=f"dla{config.dla_core}",
                        batch=batch, name="DLA part")]
    if result.gpu_layout is not None:
        specs.append(EngineSpec(result.gpu_network, result.gpu_layout, result.gpu_config, device="gpu", batch=batch,
                                name="GPU part"))
    both = estimate_concurrent(specs, dev, one_process=True)
    gpu_cfg = config.with_(use_dla=False, gpu_fallback=False, layer_device_overrides=())
    whole = estimate_engine(EngineSpec(result.full_network, predict(result.full_network, plat, gpu_cfg), gpu_cfg,
                                       device="gpu", batch=batch, name="whole model on the GPU"), dev)
    stages = {e.name: float(e.images_per_s) for e in both.engines}
    return {
        "pipeline_images_per_s": min(stages.values()),
        "stages": stages,
        "whole_gpu_images_per_s": float(whole.images_per_s),
        "provenance": both.provenance.label(),
        "device": f"{dev.id} {dev.mode.name}",
    }
