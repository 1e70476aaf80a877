"""The ``trtexec`` backend: real measurements on a board, the way NVIDIA's jetson_benchmarks runs them.

Each distinct engine is built once into a cache folder (named by a hash of the model bytes and the
build flags); then every engine instance of the plan runs as its own trtexec process, all at once,
for a fixed duration, and each process's ``Throughput: X qps`` line is that instance's number.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ...artifacts import read_trtexec_output
from ...errors import BackendFailed, BackendUnavailable
from ...layout import Measurement, Provenance
from .._commands import DEFAULT_DURATION_S, build_command, engine_filename, run_command, unique_builds
from .._plan import DeploymentPlan, EngineResult, PlanResult
from ._base import Backend, BackendInfo

# Where JetPack installs trtexec; it is not on PATH by default.
JETPACK_TRTEXEC = "/usr/src/tensorrt/bin/trtexec"
TRTEXEC_ENV = "DLA_ADVISOR_TRTEXEC"


def find_trtexec(explicit: str | None = None) -> str:
    """``explicit``, else ``$DLA_ADVISOR_TRTEXEC``, else ``trtexec`` on PATH, else JetPack's path.

    Raises:
        BackendUnavailable: none of them is an executable file.
    """
    for cand in (explicit, os.environ.get(TRTEXEC_ENV)):
        if cand:
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                return cand
            raise BackendUnavailable(f"trtexec not found at {cand}",
                                     "Pass the path of an executable trtexec (JetPack installs it in /usr/src/tensorrt/bin).")
    found = shutil.which("trtexec") or (JETPACK_TRTEXEC if os.access(JETPACK_TRTEXEC, os.X_OK) else None)
    if not found:
        raise BackendUnavailable("trtexec is not installed here",
                                 f"Run on a Jetson with JetPack, set {TRTEXEC_ENV}, or use --backend sim.")
    return found


class TrtexecBackend(Backend):
    """Builds and runs engines with trtexec.

    Args:
        device: the board the numbers are for (``orin-agx-64gb``), shown in every provenance label.
        power_mode: nvpmodel mode the board is in (``MAXN``); recorded, not set.
        trtexec: path of trtexec (see :func:`find_trtexec`).
        engines_dir: cache folder for built engines.
        duration_s: how long each concurrent run lasts.
        build_timeout_s / run_margin_s: a process that takes longer is killed and the plan fails.
    """

    name = "trtexec"

    def __init__(self, device: str = DEFAULT_DEVICE, power_mode: str = DEFAULT_POWER_MODE, trtexec: str | None = None,
                 engines_dir: str | os.PathLike | None = None, duration_s: float = DEFAULT_DURATION_S,
                 build_timeout_s: float = 3600.0, run_margin_s: float = 120.0,
                 skip_inference_flag: str = "--skipInference"):
        self.trtexec = find_trtexec(trtexec)
        self.device = device
        self.power_mode = power_mode
        self.engines_dir = Path(engines_dir) if engines_dir else Path(tempfile.gettempdir()) / "dla-advisor-engines"
        self.duration_s = duration_s
        self.build_timeout_s = build_timeout_s
        self.run_margin_s = run_margin_s
        self.skip_inference_flag = skip_inference_flag
        self.builds_run = 0

    def describe(self) -> BackendInfo:
        return BackendInfo("trtexec", "measured", f"{self.device}, {self.power_mode}",
                           f"{self.trtexec}; {self.duration_s:g} s per run; engines in {self.engines_dir}")

    def engine_path(self, engine) -> Path:
        return self.engines_dir / engine_filename(engine)

    def measure(self, plan: DeploymentPlan) -> PlanResult:
        if not plan.engines:
            raise BackendFailed("the plan has no engines", "Give at least one model a GPU instance or a DLA core.")
        self.engines_dir.mkdir(parents=True, exist_ok=True)
        for engine in unique_builds(plan).values():
            self._build(engine)
        outputs = self._run_concurrently(plan)
        prov_device = f"{self.device}, {self.power_mode}"
        results = []
        for engine, text in zip(plan.engines, outputs):
            run = read_trtexec_output(text)
            if run.throughput_qps is None:
                raise BackendFailed(f"{engine.name}: trtexec printed no 'Throughput:' line",
                                    run.last_error or "Run the printed command by hand to see why.")
            prov = Provenance("measured", "trtexec", prov_device,
                              detail=f"{engine.name}, TensorRT {run.trt_version or '?'}, {self.duration_s:g} s concurrent run")
            results.append(EngineResult(engine, Measurement(prov, run.throughput_qps, engine.batch, run.latency_ms)))
        total = sum(r.images_per_s for r in results)
        return PlanResult(plan, tuple(results), total,
                          Provenance("measured", "trtexec", prov_device, detail=f"{len(results)} concurrent processes"))

    def _build(self, engine) -> None:
        target = self.engine_path(engine)
        if target.exists():
            return
        # Build into a private name and rename, so a concurrent worker never loads a half-written engine.
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        cmd = build_command(engine, tmp, self.trtexec, self.skip_inference_flag)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.build_timeout_s)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise BackendFailed(f"{engine.name}: engine build took longer than {self.build_timeout_s:g} s",
                                "Raise the build timeout or simplify the plan.") from None
        run = read_trtexec_output(proc.stdout + proc.stderr)
        if proc.returncode != 0 or run.passed is False or not tmp.exists():
            tmp.unlink(missing_ok=True)
            raise BackendFailed(f"{engine.name}: engine build failed ({_exit_text(proc.returncode)})",
                                run.last_error or "Run the printed build command by hand to see why.")
        os.replace(tmp, target)
        self.builds_run += 1

    def _run_concurrently(self, plan: DeploymentPlan) -> list[str]:
        procs = []
        files = []
        try:
            for engine in plan.engines:
                f = tempfile.TemporaryFile(mode="w+")
                files.append(f)
                cmd = run_command(engine, self.engine_path(engine), self.duration_s, self.trtexec)
                procs.append(subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, text=True))
            deadline = time.monotonic() + self.duration_s + self.run_margin_s
            for engine, p in zip(plan.engines, procs):
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    raise BackendFailed(f"{engine.name}: trtexec did not finish within {self.duration_s + self.run_margin_s:g} s",
                                        "The board may be hung; check it and re-run (the study resumes).") from None
            outputs = []
            for engine, p, f in zip(plan.engines, procs, files):
                f.seek(0)
                text = f.read()
                if p.returncode != 0:
                    run = read_trtexec_output(text)
                    raise BackendFailed(f"{engine.name}: trtexec run failed ({_exit_text(p.returncode)})",
                                        run.last_error or "Run the printed command by hand to see why.")
                outputs.append(text)
            return outputs
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            for f in files:
                f.close()


def _exit_text(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"
