"""The deployments ``advise`` shows: GPU only, one DLA, GPU + every DLA core (one process per engine,
and all engines in one process), and what native DLA I/O would be worth when the build does not
already use it."""

from __future__ import annotations

from ..graph import Network
from ..layout import BuildConfig, IOFormat
from ._concurrent import ConcurrentEstimate, estimate_concurrent
from ._device import DeviceModel
from ._plan import PlanEntry, plan_specs
from ._work import network_batch


def standard_scenarios(network: Network, platform, config: BuildConfig, dev: DeviceModel
                       ) -> list[tuple[str, ConcurrentEstimate]]:
    """Modelled throughput of GPU only, one DLA, and GPU + all DLA cores (separate processes and one
    process), at the config's batch.

    Args:
        network: the analysed network.
        platform: the DLA target (layouts are predicted for it).
        config: the user's build (precision, I/O formats, overrides); DLA entries use it as given.
        dev: the device model.

    Returns:
        ``[(label, ConcurrentEstimate), ...]``; the DLA scenarios are left out where the platform or
        the device has no DLA.
    """
    batch = config.batch or network_batch(network)
    plans = [("GPU only", [PlanEntry("gpu", batch)])]
    cores = min(dev.dla_cores, int(getattr(platform, "cores", 0) or 0))
    if cores >= 1:
        plans.append(("one DLA", [PlanEntry("dla0", batch)]))
        plans.append((f"GPU + {cores}xDLA" if cores > 1 else "GPU + DLA",
                      [PlanEntry("gpu", batch)] + [PlanEntry(f"dla{i}", batch) for i in range(cores)]))
    out = [(label, estimate_concurrent(plan_specs(network, platform, config, entries), dev)) for label, entries in plans]
    if cores >= 1:
        # The same engines served by one process: no time slicing between their CUDA contexts.
        label, entries = plans[-1]
        out.append((f"{label}, one process", estimate_concurrent(plan_specs(network, platform, config, entries), dev,
                                                                 one_process=True)))
    native = _native_io(network, platform, config)
    if cores >= 1 and native is not None:
        # The seed's fix: the GPU engine as built, the DLA engines bound in DLA's own linear format.
        specs = plan_specs(network, platform, config, [PlanEntry("gpu", batch)])
        specs += plan_specs(network, platform, native, [PlanEntry(f"dla{i}", batch) for i in range(cores)])
        label = f"GPU + {cores}xDLA, DLA I/O {native.input_formats[0]}"
        out.append((label, estimate_concurrent(specs, dev)))
    return out


def _native_io(network: Network, platform, config: BuildConfig) -> BuildConfig | None:
    """The config with ``<precision>:dla_linear`` I/O, or None if that is what it already has."""
    fmt = IOFormat(config.precision, "dla_linear")
    if "dla_linear" not in platform.native_input_formats(config.precision):
        return None
    ins = tuple(config.input_format(i) for i in range(len(network.inputs)))
    outs = tuple(config.output_format(i) for i in range(len(network.outputs)))
    if all(f == fmt for f in ins + outs):
        return None
    return config.with_(input_formats=(fmt,), output_formats=(fmt,))
