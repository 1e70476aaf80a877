"""DeviceModel: one board at one power mode, loaded from ``rules/devices/*.yaml``.

A device file holds datasheet rates (MACs per clock, channel atoms, DRAM peak), the clock state of
each power mode, and the few fitted parameters of the performance model with the calibration they
came from. :class:`DeviceModel` resolves one power mode into absolute rates (MAC/s, bytes/s).
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from .._words import DEFAULT_DEVICE
from ..errors import RuleFileError, UsageError

# The shipped device file an error points to as the example to follow.
EXAMPLE_DEVICE_FILE = f"rules/devices/{DEFAULT_DEVICE}.yaml"


@dataclass(frozen=True)
class ModelParams:
    """The fitted parameters, each with a physical meaning.

    Attributes:
        gpu_eff: fraction of the tensor cores' peak MAC rate a well-shaped convolution kernel reaches.
        gpu_cuda_eff: fraction of the CUDA cores' peak (IDP4A for INT8, FMA for FP16/FP32) their
            convolution kernels reach (small-channel convolutions TensorRT runs off the tensor cores).
        gpu_bw_eff: fraction of peak DRAM bandwidth one GPU kernel streams at.
        gpu_kernel_kcycles: fixed GPU clock cycles (thousands) of one kernel: CTA ramp-up and the
            tail of its last wave, so it takes longer at the lower GPU clocks of a power mode.
        gpu_launch_us: GPU idle time between two kernels of a stream launched one by one (trtexec's
            default, a Python runner): the latency before the next kernel starts, microseconds.
        gpu_graph_us: the same gap between the kernel nodes of a CUDA graph (NVIDIA's MLPerf
            harness, ``trtexec --useCudaGraph``), which launches the whole engine at once.
        dla_eff: fraction of the DLA's peak MAC rate on atom-aligned convolutions.
        dla_dw_eff: fraction of the DLA's MAC array a depthwise convolution keeps busy (one input
            channel per output channel: at most 1/atom_c of the array when channels are not packed).
        dla_bw_eff: fraction of peak DRAM bandwidth one DLA core streams at.
        dla_op_kcycles: fixed DLA clock cycles (thousands) of one hardware operation for one image
            (programming, pipeline fill and drain).
        dla_submit_us: latency of submitting one DLA loadable and signalling its completion.
        gpu_switch_us: GPU time lost each time another process's job interleaves with work running
            on the GPU (time-slice switch and completion-signal latency).
        copy_gbps: bandwidth of the host <-> device copies of an engine's inputs and outputs (GB/s),
            paid per inference where the runner copies them (trtexec without --noDataTransfers).
        nms_passes: passes a detection NMS plugin (MLPerf's harness) makes over the network's box
            and class outputs on the GPU: its per-class top-K selection and the gather of the
            survivors; engines without such a plugin never pay it.
        dram_knee: fraction of peak DRAM bandwidth the memory system sustains under mixed traffic
            before requests start to queue (the knee of the contention curve).
    """

    gpu_eff: float = 0.8
    gpu_cuda_eff: float = 0.5
    gpu_bw_eff: float = 0.8
    gpu_kernel_kcycles: float = 6.5
    gpu_launch_us: float = 8.0
    gpu_graph_us: float = 1.5
    dla_eff: float = 0.9
    dla_dw_eff: float = 0.03125
    dla_bw_eff: float = 0.4
    dla_op_kcycles: float = 10.0
    dla_submit_us: float = 100.0
    gpu_switch_us: float = 500.0
    dram_knee: float = 0.6
    copy_gbps: float = 20.0
    nms_passes: float = 4.0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float]:
        return {n: float(getattr(self, n)) for n in self.names()}


# Physical bounds used by the fit; outside them a parameter stops meaning what its name says (a
# kernel's ramp-up and tail take a few thousand SM cycles, microseconds: a larger "fixed cost"
# would be the fit hiding work the model does not see).
PARAM_BOUNDS: dict[str, tuple[float, float]] = {
    "gpu_eff": (0.2, 1.0), "gpu_cuda_eff": (0.1, 1.0), "gpu_bw_eff": (0.3, 0.95), "gpu_kernel_kcycles": (0.5, 12.0),
    "gpu_launch_us": (1.0, 60.0), "gpu_graph_us": (0.2, 10.0),
    "dla_eff": (0.2, 1.0), "dla_dw_eff": (0.005, 0.5), "dla_bw_eff": (0.05, 0.95), "dla_op_kcycles": (0.5, 60.0),
    "dla_submit_us": (5.0, 1500.0), "gpu_switch_us": (0.0, 3000.0), "dram_knee": (0.3, 1.0),
    "copy_gbps": (2.0, 100.0), "nms_passes": (1.0, 16.0),
}


@dataclass(frozen=True)
class PowerMode:
    """Clock state of one power mode: ceilings from the nvpmodel file, and the SMs left on."""

    name: str
    gpu_mhz: float
    dla_mhz: float
    emc_mhz: float
    sms: int
    source: str = ""


@dataclass(frozen=True)
class Calibration:
    """How the parameters were obtained and how far the model is from published measurements.

    Attributes:
        mape_pct: error on the points the parameters were fitted on.
        cv_mape_pct: leave-one-network-out cross-validated error (what a new network should expect).
        inherited_from: the board whose parameters this one uses (no fit of its own).
        transfer_error_pct: for inherited parameters, the error the same transfer makes on a board
            that has measurements (``transfer_check`` names them).
        params_from: the board the parameters outside ``fitted`` come from (a partial fit).
    """

    mape_pct: float | None = None
    measurements: str = ""
    inherited_from: str = ""
    points: tuple[dict[str, Any], ...] = ()
    cv_mape_pct: float | None = None
    cv_points: tuple[dict[str, Any], ...] = ()
    transfer_error_pct: float | None = None
    transfer_check: str = ""
    params_from: str = ""
    fitted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Holdout:
    """How far the model is from published measurements that were never used to fit it.

    Attributes:
        mape_pct: mean absolute percentage error over the held-out points.
        measurements: the held-out measurements file (never refitted on).
        n_points: number of held-out points.
        points: ``{id, error_pct}`` per point, as ``calibrate --no-fit`` reported them.
    """

    mape_pct: float
    measurements: str = ""
    n_points: int = 0
    points: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class DeviceModel:
    """One board at one power mode (clocks resolved to absolute rates).

    ``gpu``, ``dla`` and ``dram`` are the raw hardware tables of the device file.
    """

    id: str
    name: str
    soc: str
    mode: PowerMode
    gpu: dict[str, Any]
    dla: dict[str, Any]
    dram: dict[str, Any]
    params: ModelParams
    calibration: Calibration
    power_modes: tuple[str, ...] = ()
    path: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    holdout: Holdout | None = None

    @property
    def label(self) -> str:
        """``<device>-<mode>``, the name estimates carry in their provenance."""
        return f"{self.id}-{self.mode.name.lower()}"

    @property
    def error_pct(self) -> float | None:
        """The error a label shows: cross-validated, else transferred, else the fit error."""
        cal = self.calibration
        for value in (cal.cv_mape_pct, cal.transfer_error_pct, cal.mape_pct):
            if value is not None:
                return value
        return None

    @property
    def error_kind(self) -> str:
        cal = self.calibration
        if cal.cv_mape_pct is not None:
            return "cross-validated"
        if cal.transfer_error_pct is not None:
            return "transferred"
        return "fit"

    @property
    def holdout_error_pct(self) -> float | None:
        """Held-out MAPE (published points never fitted on); None where the device has no such check."""
        return None if self.holdout is None else self.holdout.mape_pct

    @property
    def dla_cores(self) -> int:
        return int(self.dla.get("cores", 0))

    @property
    def dram_bytes_per_s(self) -> float:
        """Peak DRAM bandwidth at this mode's EMC clock (linear in the clock)."""
        return float(self.dram["peak_gbps"]) * 1e9 * self.mode.emc_mhz / float(self.dram["emc_max_mhz"])

    def gpu_macs_per_s(self, path: str, precision: str) -> float:
        """Peak MAC/s of the GPU's tensor cores (``path="tensor"``) or CUDA cores (``"cuda"``)."""
        table = self.gpu["tensor_macs_per_sm_clk" if path == "tensor" else "cuda_macs_per_sm_clk"]
        return float(table[precision]) * self.mode.sms * self.mode.gpu_mhz * 1e6

    def dla_macs_per_s(self, precision: str) -> float:
        return float(self.dla["macs_per_clk"][precision]) * self.mode.dla_mhz * 1e6

    def with_params(self, params: ModelParams) -> "DeviceModel":
        return replace(self, params=params)

    def with_clocks(self, **clocks: float) -> "DeviceModel":
        """A copy at other clocks (``gpu_mhz``, ``dla_mhz``, ``emc_mhz``, ``sms``), e.g. a locked-clock run."""
        unknown = set(clocks) - {"gpu_mhz", "dla_mhz", "emc_mhz", "sms"}
        if unknown:
            raise UsageError(f"unknown clock(s) {sorted(unknown)}", "Use gpu_mhz, dla_mhz, emc_mhz or sms.")
        mode = replace(self.mode, name=self.mode.name + "*", **{k: v for k, v in clocks.items() if v is not None})
        return replace(self, mode=mode)

    def cost_key(self) -> tuple:
        """What per-layer costs depend on (not the fitted parameters, applied at estimate time)."""
        return (self.id, self.mode, self.path)


def devices_dir() -> Path:
    return Path(str(importlib.resources.files("dla_advisor.rules"))) / "devices"


def list_devices(directory: Path | None = None) -> list[str]:
    """Ids of the device models shipped (files in ``rules/devices``)."""
    d = directory or devices_dir()
    return sorted(p.stem for p in d.glob("*.yaml") if not p.name.startswith("_"))


def device_for_platform(platform=None, device: str | None = None, directory: Path | None = None) -> str:
    """The device model to use: ``device`` when given, else the board a platform's SoC names.

    A device file lists the SoCs it is the default board for (``default_for_soc``), so
    ``--platform xavier-trt8.5`` is modelled on the AGX Xavier unless ``--device`` says otherwise.
    """
    if device:
        return device
    soc = getattr(platform, "soc", platform) if platform is not None else None
    if soc:
        d = directory or devices_dir()
        for name in list_devices(d):
            raw = _read(str(d / f"{name}.yaml"))
            if soc in (raw.get("default_for_soc") or ()):
                return name
    return DEFAULT_DEVICE


def load_device(name: str, power_mode: str | None = None, directory: Path | None = None) -> DeviceModel:
    """Load a device model at one power mode.

    Args:
        name: device id (``orin-agx-64gb``) or a path to a device YAML file.
        power_mode: one of the file's ``power_modes`` (default: its ``default_power_mode``).
        directory: where device files live (default: the shipped ``rules/devices``).

    Raises:
        UsageError: unknown device or power mode (the message lists the valid ones).
        RuleFileError: the device file is malformed.
    """
    path = Path(name) if name.endswith((".yaml", ".yml")) else (directory or devices_dir()) / f"{name}.yaml"
    if not path.is_file():
        raise UsageError(f"unknown device '{name}'",
                         f"Use one of: {', '.join(list_devices(directory))} (or a path to a device YAML file).")
    raw = _read(str(path))
    modes = raw["power_modes"]
    mode_name = power_mode or raw.get("default_power_mode") or next(iter(modes))
    match = {m.upper(): m for m in modes}.get(str(mode_name).upper())
    if match is None:
        raise UsageError(f"device {raw['id']} has no power mode '{mode_name}'", f"Use one of: {', '.join(modes)}.")
    m = modes[match]
    mode = PowerMode(match, float(m["gpu_mhz"]), float(m["dla_mhz"]), float(m["emc_mhz"]), int(m["sms"]),
                     str(m.get("source", "")))
    cal = raw.get("calibration") or {}
    return DeviceModel(
        id=raw["id"], name=raw.get("name", raw["id"]), soc=raw.get("soc", ""), mode=mode, gpu=raw["gpu"],
        dla=raw.get("dla") or {"cores": 0}, dram=raw["dram"], params=_params(raw.get("params") or {}, path),
        calibration=Calibration(cal.get("mape_pct"), str(cal.get("measurements", "")),
                                str(cal.get("inherited_from", "")), tuple(cal.get("points") or ()),
                                cal.get("cv_mape_pct"), tuple(cal.get("cv_points") or ()),
                                cal.get("transfer_error_pct"), str(cal.get("transfer_check", "")),
                                str(cal.get("params_from", "")), tuple(cal.get("fitted") or ())),
        power_modes=tuple(modes), path=str(path), sources=dict(raw.get("sources") or {}),
        holdout=_holdout(raw.get("holdout"), path),
    )


def _holdout(raw: Any, path: Path) -> Holdout | None:
    if raw is None:
        return None
    try:
        points = tuple(raw.get("points") or ())
        return Holdout(float(raw["mape_pct"]), str(raw.get("measurements", "")),
                       int(raw.get("n_points", len(points))), points)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise RuleFileError(f"{path}: holdout needs mape_pct (and measurements, n_points, points)",
                            f"See the holdout block of {EXAMPLE_DEVICE_FILE}.",
                            path=str(path), key="holdout") from None


# Parameters an earlier model had, and what replaced them: a device file fitted then needs a refit,
# since the launch cost changed meaning with it (a per-kernel gap, no longer a host floor).
_RETIRED_PARAMS = {"gpu_kernel_us": "gpu_kernel_kcycles"}


def _params(raw: dict[str, Any], path: Path) -> ModelParams:
    unknown = set(raw) - set(ModelParams.names())
    retired = sorted(unknown & set(_RETIRED_PARAMS))
    if retired:
        raise RuleFileError(f"{path}: {retired[0]} is from an earlier performance model (now {_RETIRED_PARAMS[retired[0]]})",
                            f"Delete its params: block and refit: dla-advisor calibrate MEASUREMENTS.yaml --device {path} "
                            f"--write-device {path}.",
                            path=str(path), key=f"params.{retired[0]}")
    if unknown:
        raise RuleFileError(f"{path}: unknown parameter(s) {sorted(unknown)} under params",
                            f"Known parameters: {', '.join(ModelParams.names())}.", path=str(path), key="params")
    return ModelParams(**{k: float(v) for k, v in raw.items()})


@functools.lru_cache(maxsize=64)
def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise RuleFileError(f"{path}: not valid YAML", "Fix the YAML syntax.", path=path,
                            line=None if line is None else line + 1) from None
    except RecursionError:
        raise RuleFileError(f"{path}: nests too deeply to be a device file", "Fix the file.", path=path) from None
    except (UnicodeDecodeError, OSError) as e:
        raise RuleFileError(f"{path}: cannot be read as UTF-8 text ({getattr(e, 'strerror', None) or e})",
                            "A device file is UTF-8 YAML.", path=path) from None
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: a device file is a mapping", f"See {EXAMPLE_DEVICE_FILE}.", path=path)
    for key in ("id", "gpu", "dram", "power_modes"):
        if key not in raw:
            raise RuleFileError(f"{path}: missing '{key}'", f"See {EXAMPLE_DEVICE_FILE}.", path=path, key=key)
    for mode, m in raw["power_modes"].items():
        for k in ("gpu_mhz", "dla_mhz", "emc_mhz", "sms"):
            if k not in (m or {}):
                raise RuleFileError(f"{path}: power mode {mode} lacks {k}", "Give gpu_mhz, dla_mhz, emc_mhz and sms.",
                                    path=path, key=f"power_modes.{mode}.{k}")
    return raw
