"""Fit the performance model's parameters to measured trtexec results and print the error per point.

MEASUREMENTS is a YAML file like rules/calibration/orin-agx-64gb.yaml: the device, and points each
giving the model, precision, I/O formats, power mode or locked clocks, the engines that ran (the
--plan syntax of `estimate`) and one measured number (qps, latency_ms or total_images_per_s).
Add your own board's results to such a file to fit the model to it. --write-device stores the fit
(parameters, error per point, MAPE) in a device file; without it nothing is written.
--cross-validate also refits once per network with that network left out and reports the error of
predicting it: the error to expect on a network the model has never seen (labels show it).
A measurements file may name `params_from: DEVICE`: the parameters outside its `free:` list are
then that device's (for the fit and every cross-validation fold), and the device file records it.
With `free: []` nothing is fitted: the board uses DEVICE's parameters and the written error is that
transfer's, on the file's points and on the files its `transfer_check:` list names.
"""

from __future__ import annotations

import click

from ._types import BoundedInt
from ..report import render
from ._common import check_output, format_option, info, output_option, write_report


@click.command("calibrate", help=__doc__)
@click.argument("measurements", type=click.Path(dir_okay=False))
@click.option("--device", default=None, help="Start from this device model or device YAML (default: the file's device).")
@click.option("--fit/--no-fit", "do_fit", default=True, show_default=True, help="Refit, or only report the current error.")
@click.option("--params", "free", default=None, metavar="NAME[,NAME]", help="Fit only these parameters (default: all).")
@click.option("--max-evals", type=BoundedInt(10, 1_000_000), default=2500, show_default=True, help="Evaluation budget of the fit.")
@click.option("--cross-validate", "cross", is_flag=True,
              help="Also leave each network out in turn, refit, and report the error of predicting it.")
@click.option("--cv-max-evals", type=BoundedInt(10, 1_000_000), default=None,
              help="Evaluation budget of each cross-validation refit (default: a quarter of --max-evals; "
                   "each fold starts from the full fit).")
@click.option("--write-device", default=None, type=click.Path(dir_okay=False),
              help="Write the fitted parameters and errors into this device YAML file.")
@format_option("calibrate")
@output_option
def command(measurements, device, do_fit, free, max_evals, cross, cv_max_evals, write_device, fmt, output) -> int:
    from .. import api
    from ..perf._calibrate import load_measurements

    check_output(output, [measurements])
    if do_fit:
        load_measurements(measurements)  # a bad file is one error line, not a progress line and an error
        info("fitting (each evaluation runs every point through the model) ...")
    if cross:
        info("then cross-validating (one refit per network) ...")
    result = api.calibrate(measurements, device=device, fit=do_fit, params=free, max_evals=max_evals,
                           cross_validate=cross, cv_max_evals=cv_max_evals, write_device=write_device)
    cv = result.cross_validation
    text = render("calibrate", fmt, result, written=write_device)
    write_report(text, output, inputs=[measurements])
    cal = result.calibration
    info(f"MAPE {result.mape_pct:.1f} % over {len(cal.points)} points"
         + (f", {cv.mape_pct:.1f} % cross-validated (leave one network out)" if cv is not None else "")
         + (f", transfer error {cal.transfer_error_pct:.1f} % over {cal.transfer_points} points"
            if cal.transfer_error_pct is not None else ""))
    return 0
