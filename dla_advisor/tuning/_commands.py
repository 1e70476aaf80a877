"""The trtexec command lines that build a plan's engines and run them concurrently.

One engine file per distinct build (model bytes + build flags), named by a hash of both, so a plan
tried twice, or two instances of one engine, build once. The same lines drive the ``trtexec``
backend and are printed with every plan so a user can reproduce the numbers on a board.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from functools import lru_cache
from pathlib import Path

from ._plan import DeploymentPlan, PlannedEngine

DEFAULT_DURATION_S = 5


@lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_digest(path: str) -> str:
    """SHA-256 of the model file (cached on path, mtime and size); ``missing`` if it cannot be read."""
    try:
        st = os.stat(path)
        return _file_digest(os.path.abspath(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return "missing"


def build_flags(engine: PlannedEngine) -> list[str]:
    """Build flags without the model path; the part of the cache key that is not the model bytes."""
    return engine.config.trtexec_flags("MODEL")[1:]


def engine_filename(engine: PlannedEngine) -> str:
    """``<model>.<device kind>.<hash of model bytes + build flags>.engine``."""
    key = hashlib.sha256((model_digest(engine.model) + "\0" + "\0".join(build_flags(engine))).encode())
    kind = "gpu" if engine.device == "gpu" else f"dla{engine.config.dla_core}"
    return f"{engine.model_name}.{kind}.{key.hexdigest()[:12]}.engine"


def build_command(engine: PlannedEngine, engine_path: str | os.PathLike, trtexec: str = "trtexec",
                  skip_inference_flag: str = "--skipInference") -> list[str]:
    """The trtexec call that builds ``engine`` into ``engine_path`` without running it."""
    return [trtexec, *engine.config.trtexec_flags(engine.model), f"--saveEngine={engine_path}", skip_inference_flag]


def run_command(engine: PlannedEngine, engine_path: str | os.PathLike, duration_s: float = DEFAULT_DURATION_S,
                trtexec: str = "trtexec") -> list[str]:
    """The trtexec call that loads a built engine and runs it for ``duration_s`` seconds."""
    cmd = [trtexec, f"--loadEngine={engine_path}"]
    if engine.device != "gpu":
        cmd.append(f"--useDLACore={engine.config.dla_core}")
    if engine.config.shapes:
        cmd.append("--shapes=" + ",".join(f"{n}:{'x'.join(map(str, s))}" for n, s in engine.config.shapes))
    cmd.append(f"--duration={duration_s:g}")
    return cmd


def unique_builds(plan: DeploymentPlan) -> dict[str, PlannedEngine]:
    """Engine file name → the first engine of the plan that needs it (instances share one build)."""
    out: dict[str, PlannedEngine] = {}
    for e in plan.engines:
        out.setdefault(engine_filename(e), e)
    return out


def reproduce_script(plan: DeploymentPlan, engines_dir: str = "engines", duration_s: float = DEFAULT_DURATION_S,
                     trtexec: str = "trtexec", skip_inference_flag: str = "--skipInference") -> list[str]:
    """Shell lines that build every engine of ``plan`` and then run all instances at once."""
    lines = [f"mkdir -p {shlex.quote(engines_dir)}"]
    for fname, e in unique_builds(plan).items():
        lines.append(shlex.join(build_command(e, Path(engines_dir) / fname, trtexec, skip_inference_flag)))
    for e in plan.engines:
        cmd = run_command(e, Path(engines_dir) / engine_filename(e), duration_s, trtexec)
        log = f"{e.model_name}.{e.device}{e.instance if e.device == 'gpu' else ''}.log"
        lines.append(f"{shlex.join(cmd)} > {shlex.quote(log)} 2>&1 &")
    lines.append("wait")
    lines.append("grep -H 'Throughput:' *.log")
    return lines
