"""How many trials Optuna's TPE and random sampling need to reach 99 % of the exhaustive optimum.

The space is the default ``dla-advisor tune`` space for the forum seed's model (conv2d 3→10, 9x9,
1x3x1024x1024, INT8 and FP16) on the ``sim`` backend. The optimum comes from enumerating the space;
each sampler then runs with 10 seeds and reports the trials until a plan reaches 99 % of it.

Run: python benchmarks/bench_tune_samplers.py [--seeds 10] [--max-trials 200] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def trials_to_target(space, backend, sampler_kind: str, seed: int, target: float, max_trials: int) -> int | None:
    import optuna

    from dla_advisor.tuning import PlanObjective, make_sampler

    objective = PlanObjective(space, backend, "throughput")
    study = optuna.create_study(direction="maximize", sampler=make_sampler(sampler_kind, seed))
    reached: list[int] = []

    def stop_at_target(study, trial):
        if trial.value is not None and trial.value >= target:
            reached.append(trial.number + 1)
            study.stop()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=max_trials, catch=(Exception,), callbacks=[stop_at_target])
    return reached[0] if reached else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--max-trials", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="INT8 only, fixed fallback/SRAM (a space of a few hundred plans)")
    args = ap.parse_args(argv)

    import optuna

    from dla_advisor.platforms import load_platform
    from dla_advisor.tuning import PlanRejected, SearchSpace, SpaceOptions, enumerate_plans
    from dla_advisor.tuning.backends.sim import SimBackend

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    options = SpaceOptions(precisions=("int8",), gpu_fallback=(False,), dla_sram_mib=(None,)) if args.quick else SpaceOptions()
    backend = SimBackend()
    space = SearchSpace([str(REPO / "models" / "conv2d_1024.onnx")], load_platform(None), options, backend.catalog)
    t0 = time.perf_counter()
    plans = [o for _, o in enumerate_plans(space) if not isinstance(o, PlanRejected)]
    optimum = max(backend.measure(p).total_images_per_s for p in plans)
    print(f"space: {len(plans)} legal plans, exhaustive optimum {optimum:,.1f} images/s "
          f"({backend.describe().device}, modelled), enumerated in {time.perf_counter() - t0:.1f} s")
    target = 0.99 * optimum
    for kind in ("tpe", "random"):
        needed = [trials_to_target(space, backend, kind, seed, target, args.max_trials) for seed in range(args.seeds)]
        hit = [n for n in needed if n is not None]
        med = statistics.median(hit) if hit else float("nan")
        print(f"{kind:>6}: trials to 99 % per seed {['>' + str(args.max_trials) if n is None else n for n in needed]}; "
              f"median {med:g}, worst {max(hit) if len(hit) == len(needed) else '>' + str(args.max_trials)}, "
              f"reached {len(hit)}/{len(needed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
