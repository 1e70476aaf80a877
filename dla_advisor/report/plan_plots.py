"""Optuna's own plots of a tuning study, as HTML (and PNG where kaleido is installed).

plotly is optional (``pip install 'dla-advisor[plots]'``); it is imported only here, on demand.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .._safe_write import prepare_output_dir, write_bytes, write_text
from ..errors import UsageError


def require_plotly() -> None:
    """Raise UsageError when plotly is missing (checked before a search, not after it)."""
    if importlib.util.find_spec("plotly") is None:
        raise UsageError("--plots needs plotly, which is not installed",
                         "Install it with: pip install 'dla-advisor[plots]' (kaleido as well for PNG).")


def write_plots(study, folder: str | Path, objective: str) -> list[Path]:
    """Write the optimisation history, parameter importances and (for two objectives) the Pareto front.

    Raises:
        UsageError: plotly is not installed, or ``folder`` cannot be created.
    """
    require_plotly()
    import optuna.visualization as vis

    folder = prepare_output_dir(folder, option="--plots")
    names = ["throughput (images/s)", "makespan (ms)"] if objective == "both" else None
    figures = {}
    if objective == "both":
        figures["pareto_front"] = lambda: vis.plot_pareto_front(study, target_names=names)
        target = (lambda t: t.values[0]), "throughput (images/s)"
    else:
        target = None, ("throughput (images/s)" if objective == "throughput" else "makespan (ms)")
    figures["history"] = lambda: vis.plot_optimization_history(study, target=target[0], target_name=target[1])
    figures["importances"] = lambda: vis.plot_param_importances(study, target=target[0], target_name=target[1])
    png = importlib.util.find_spec("kaleido") is not None
    written = []
    for name, make in figures.items():
        try:
            fig = make()
        except (ValueError, RuntimeError):
            continue  # e.g. importances need at least two completed trials with varying parameters
        html = folder / f"{name}.html"
        write_text(html, fig.to_html(), option="--plots")
        written.append(html)
        if png:
            write_bytes(folder / f"{name}.png", fig.to_image(format="png"), option="--plots")
            written.append(folder / f"{name}.png")
    return written
