"""Leave-one-network-out cross-validation of a calibration: the error to expect on a new network.

The fit error flatters a model with several free parameters; what a user meets is a network the
model was never fitted on. Each fold refits the parameters on every point except those of one
network and predicts that network's points; the MAPE over all predicted points is the
cross-validated error that device labels show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._calibrate import PointResult, evaluate, fit_prepared, mape, prepare
from ._inherit import fit_names, inherited_params
from ._device import DeviceModel


@dataclass(frozen=True)
class CrossValidation:
    """Held-out predictions of every point (each from the fold that left its network out).

    Attributes:
        mape_pct: mean absolute percentage error over all predicted points.
        points: one :class:`PointResult` per point, predicted without its network.
        networks: the folds, one per network, in file order.
        per_network: MAPE of each fold's predictions.
    """

    device: str
    mape_pct: float
    points: tuple[PointResult, ...]
    networks: tuple[str, ...]
    per_network: tuple[tuple[str, float], ...]
    measurements: str = ""


def cross_validate(path: str | Path, device: DeviceModel | None = None, free: tuple[str, ...] | None = None,
                   max_evals: int = 600) -> CrossValidation:
    """Leave each network out in turn, refit on the rest, and predict the network left out.

    Args:
        path: the measurements YAML (several networks).
        device: start every fold from this device model (default: the file's device as shipped).
        free: parameters each fold fits (default: the file's ``free:`` list, else all); the others
            are the file's ``params_from`` device's where it names one.
        max_evals: evaluation budget of each fold's fit.
    """
    dev, prepared = prepare(path, device)
    names = fit_names(path, free)
    # Every fold starts from the same inherited values as the full fit (the file's params_from).
    start = inherited_params(path, dev.params, names)
    networks = tuple(dict.fromkeys(pr.point.model for pr in prepared))
    predicted: dict[str, PointResult] = {}
    per_network = []
    for net in networks:
        train = [pr for pr in prepared if pr.point.model != net]
        test = [pr for pr in prepared if pr.point.model == net]
        params = start
        if train:
            params, _ = fit_prepared(start, train, names, max_evals)
        res = evaluate(test, params)
        per_network.append((net, mape(res)))
        predicted.update({r.id: r for r in res})
    ordered = tuple(predicted[pr.point.id] for pr in prepared)
    return CrossValidation(dev.id, mape(list(ordered)), ordered, networks, tuple(per_network), str(path))


def transfer_error(source: DeviceModel, checks: dict[str, DeviceModel | None]) -> tuple[float, int]:
    """Error of using ``source``'s parameters on other boards (their clocks, units and bandwidth).

    Args:
        source: the board whose fitted parameters are transferred.
        checks: measurements file -> the target board's device model (None: the file's device).

    Returns:
        (MAPE over every point of the files, number of points).
    """
    from ._calibrate import error_only
    from ._device import load_device

    results = []
    for path, target in checks.items():
        dev = target or load_device(load_measurements_device(path))
        results.extend(error_only(path, dev.with_params(source.params)).points)
    return mape(results), len(results)


def load_measurements_device(path: str | Path) -> str:
    from ._calibrate import load_measurements
    return load_measurements(path)[0]
