"""The three deployments ``advise`` shows: GPU only, one DLA, GPU + every DLA core."""

from __future__ import annotations

from ..graph import Network
from ..layout import BuildConfig
from ._concurrent import ConcurrentEstimate, estimate_concurrent
from ._device import DeviceModel
from ._plan import PlanEntry, plan_specs
from ._work import network_batch


def standard_scenarios(network: Network, platform, config: BuildConfig, dev: DeviceModel
                       ) -> list[tuple[str, ConcurrentEstimate]]:
    """Modelled throughput of GPU only, one DLA, and GPU + all DLA cores, at the config's batch.

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
    return [(label, estimate_concurrent(plan_specs(network, platform, config, entries), dev)) for label, entries in plans]
