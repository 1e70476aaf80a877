"""Search GPU/DLA0/DLA1 deployments of one or more models for the highest combined throughput.

Each trial is a DeploymentPlan (instances per device, batch, precision, I/O formats, GPU fallback,
DLA SRAM, optionally a split point), modelled by the performance model (--backend sim) or measured
on the board (--backend trtexec or tensorrt). The study is stored next to the first model
(sqlite:///MODEL.dla-tune.db) unless --storage names another Optuna storage (PostgreSQL for a farm
of boards); re-running the same command continues it, and --trials counts the whole study.

Prints the best plan with every number's provenance, the hand-made GPU + 2xDLA int8:dla_linear plan
side by side, and the trtexec lines that reproduce the plan. Exit 0 with a plan, 1 if no trial gave a
feasible plan, 2 on bad input.
"""

from __future__ import annotations

import os
import sys

import click

from .._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ..errors import EXIT_FINDINGS, EXIT_OK, UsageError
from ..tuning import BACKENDS, OBJECTIVES
from ._types import HEARTBEAT, SEED, TRIALS, RegistryChoice, milliseconds, seconds
from ..report import render
from ._common import check_output, format_option, info, output_option, platform_option, write_report


@click.command("tune", help=__doc__)
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--device", default=DEFAULT_DEVICE, show_default=True, help="Board (device model for --backend sim).")
@click.option("--power-mode", default=DEFAULT_POWER_MODE, show_default=True, help="Power mode of --device.")
@platform_option
@click.option("--backend", type=RegistryChoice(BACKENDS), default="sim", show_default=True,
              help="sim: performance model; trtexec / tensorrt: measure on this board.")
@click.option("--trials", type=TRIALS, default=60, show_default=True,
              help="Trials in the study in total (earlier runs and other workers count).")
@click.option("--timeout", type=seconds(), default=None, help="Stop this run after S seconds.")
@click.option("--objective", type=click.Choice(list(OBJECTIVES)), default="throughput", show_default=True,
              help="Maximise total images/s, minimise makespan (worst engine latency), or both (Pareto front).")
@click.option("--latency-budget", type=milliseconds(), default=None, metavar="MS",
              help="Plans whose makespan exceeds MS milliseconds are infeasible.")
@click.option("--storage", default=None, metavar="URL",
              help="Optuna storage URL (sqlite:///f.db, postgresql://..., journal:f.jsonl). Default: next to the model.")
@click.option("--study", default=None, help="Study name (default: derived from the command's inputs).")
@click.option("--seed", type=SEED, default=None, help="Sampler seed, for a reproducible single-worker search.")
@click.option("--sampler", type=click.Choice(["tpe", "random"]), default="tpe", show_default=True)
@click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]", help="Fix dynamic input shapes (trtexec --shapes).")
@click.option("--batches", default="1,2,4,8,16,32", show_default=True, help="Batch sizes tried for dynamic-batch models.")
@click.option("--max-gpu-instances", type=click.IntRange(0, 8), default=2, show_default=True,
              help="GPU engine instances per model range over 0..N.")
@click.option("--precisions", type=click.Choice(["both", "all", "int8", "fp16", "int8,fp16", "best"]), default="both",
              show_default=True, help="Precisions tried per engine: both = int8 and fp16; all adds int8,fp16 "
              "(trtexec --int8 --fp16); or one of them.")
@click.option("--split/--no-split", default=False, show_default=True,
              help="Also try a split point: the model's first layers on DLA, the rest on the GPU.")
@click.option("--duration", type=seconds(min_open=True), default=5.0, show_default=True,
              help="Seconds each concurrent measurement runs (trtexec, tensorrt).")
@click.option("--trtexec", "trtexec_path", default=None, metavar="PATH", help="trtexec to use (default: PATH or JetPack's).")
@click.option("--engines-dir", default=None, metavar="DIR", help="Cache of built engines (default: beside the study file).")
@click.option("--heartbeat", type=HEARTBEAT, default=30, show_default=True,
              help="Seconds between trial heartbeats; a trial silent for twice this is marked failed.")
@format_option("tune", help="Report format (-o PLAN.yaml writes YAML; html: one self-contained page with the trials).")
@click.option("--plots", "plots_dir", default=None, metavar="DIR", help="Write Optuna's plots (HTML; PNG with kaleido).")
@click.option("--no-reference", is_flag=True, help="Do not evaluate the hand-made GPU + 2xDLA reference plan.")
@output_option
def command(models, device, power_mode, platform, backend, trials, timeout, objective, latency_budget, storage, study,
            seed, sampler, shapes, batches, max_gpu_instances, precisions, split, duration, trtexec_path, engines_dir,
            heartbeat, fmt, plots_dir, no_reference, output) -> int:
    from .. import api

    check_output(output, models)
    if plots_dir:
        from ..report import require_plotly

        require_plotly()
        if os.path.lexists(plots_dir) and not os.path.isdir(plots_dir):
            raise UsageError(f"--plots {plots_dir} exists and is not a folder", "Give a folder path.")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the progress bar and report say what matters
    progress = _progress(trials, objective)

    def on_start(study_name: str, storage_label: str, done: int) -> None:
        info(f"tune: study '{study_name}' in {storage_label} has {done} trial(s); running up to "
             f"{max(0, trials - done)} more with backend {backend}")
        progress.start(done)

    try:
        result = api.tune(models, device=device, power_mode=power_mode, platform=platform, backend=backend,
                          trials=trials, timeout=timeout, objective=objective, latency_budget=latency_budget,
                          storage=storage, study=study, seed=seed, sampler=sampler, shapes=shapes, batches=batches,
                          max_gpu_instances=max_gpu_instances, precisions=precisions, split=split, duration=duration,
                          trtexec=trtexec_path, engines_dir=engines_dir, heartbeat=heartbeat,
                          reference=not no_reference, callbacks=[progress.update], on_start=on_start)
    finally:
        progress.stop()
    if result.interrupted:
        info("tune: interrupted; re-run the same command to continue the study")
    report = result.report
    write_report(render("tune", _yaml_for_yaml_file(fmt, output), result), output, inputs=list(models))
    if plots_dir:
        from ..report import write_plots
        for path in write_plots(result.study, plots_dir, objective):
            info(f"tune: wrote {path}")
    if report.summary.best is None:
        info("tune: no feasible plan found; see the rejected/failed trials above")
        return EXIT_FINDINGS
    best = report.summary.best.result
    info(f"tune: best {best.total_images_per_s:,.1f} images/s, {best.provenance.label()} (trial {report.summary.best.number})")
    return EXIT_OK


def _yaml_for_yaml_file(fmt: str, output: str) -> str:
    """-o PLAN.yaml writes the plan as YAML whatever the text/json choice (the page stays a page)."""
    if fmt in ("text", "json") and output not in (None, "-") and output.lower().endswith((".yaml", ".yml")):
        return "yaml"
    return fmt


class _progress:
    """A rich progress bar on stderr with the best plan so far; nothing when stderr is not a terminal."""

    def __init__(self, total: int, objective: str):
        self.total, self.objective = total, objective
        self.bar = None

    def start(self, done: int) -> None:
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("tune", style="bold", markup=False), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.description}", markup=False),
                            console=Console(stderr=True, markup=False, emoji=False), transient=False)
        self.bar.start()
        self.task = self.bar.add_task("searching", total=self.total, completed=done)

    def update(self, study, trial) -> None:
        if self.bar is None:
            return
        from ..tuning._search import best_outcome, feasible_outcomes

        best = best_outcome(feasible_outcomes(study), "latency" if self.objective == "latency" else "throughput")
        text = "no feasible plan yet"
        if best is not None:
            r = best.result
            text = f"best {r.total_images_per_s:,.1f} img/s, {r.makespan_ms:.2f} ms: {r.plan.describe()}"
        self.bar.update(self.task, completed=min(self.total, len(study.trials)), description=text)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
