"""The ``tensorrt`` backend: builds engines with the TensorRT Python API and runs them concurrently.

Per-layer device types come from ``BuildConfig.layer_device_overrides``; each engine instance gets its
own execution context, CUDA stream and thread, and all of them run for a fixed duration. TensorRT and
cuda-python are imported on first use, so this module loads anywhere; where they are missing,
constructing the backend raises :class:`BackendUnavailable` with what to install.
"""

from __future__ import annotations

import threading
import time

from ..._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ...errors import BackendFailed, BackendUnavailable
from ...layout import Measurement, Provenance
from .._commands import DEFAULT_DURATION_S, engine_filename, unique_builds
from .._plan import DeploymentPlan, EngineResult, PlanResult
from ._base import Backend, BackendInfo

# trtexec's placeholder INT8 ranges (inputs ±2, other tensors ±4) when no calibration cache is given;
# throughput does not depend on the scale values.
_IN_RANGE, _OUT_RANGE = 2.0, 4.0
_TYPES = {"fp32": "float32", "fp16": "float16", "int8": "int8", "int32": "int32", "bool": "bool", "uint8": "uint8"}
_LAYOUTS = {"chw": "LINEAR", "chw2": "CHW2", "chw4": "CHW4", "hwc8": "HWC8", "chw16": "CHW16", "chw32": "CHW32",
            "dla_linear": "DLA_LINEAR", "dla_hwc4": "DLA_HWC4", "hwc": "HWC"}


def _import_runtime():
    try:
        import tensorrt as trt
    except ImportError:
        raise BackendUnavailable("the tensorrt backend needs TensorRT's Python bindings, and 'import tensorrt' failed",
                                 "On a Jetson install JetPack (python3-libnvinfer); elsewhere use --backend sim.") from None
    try:
        from cuda import cudart
    except ImportError:
        raise BackendUnavailable("the tensorrt backend needs cuda-python for device buffers",
                                 "Install it with: pip install cuda-python (matching your CUDA version).") from None
    return trt, cudart


class TensorRTBackend(Backend):
    """Measures plans with the TensorRT Python API on the local board."""

    name = "tensorrt"

    def __init__(self, device: str = DEFAULT_DEVICE, power_mode: str = DEFAULT_POWER_MODE,
                 duration_s: float = DEFAULT_DURATION_S):
        self.trt, self.cudart = _import_runtime()
        self.device = device
        self.power_mode = power_mode
        self.duration_s = duration_s
        self._logger = self.trt.Logger(self.trt.Logger.WARNING)
        self._engines: dict[str, bytes] = {}

    def describe(self) -> BackendInfo:
        return BackendInfo("tensorrt", "measured", f"{self.device}, {self.power_mode}",
                           f"TensorRT {self.trt.__version__} Python API; {self.duration_s:g} s per run")

    def measure(self, plan: DeploymentPlan) -> PlanResult:
        if not plan.engines:
            raise BackendFailed("the plan has no engines", "Give at least one model a GPU instance or a DLA core.")
        for fname, engine in unique_builds(plan).items():
            if fname not in self._engines:
                self._engines[fname] = self._build(engine)
        counts, latencies = self._run(plan)
        prov_device = f"{self.device}, {self.power_mode}"
        results = []
        for e, n, lat in zip(plan.engines, counts, latencies):
            prov = Provenance("measured", "tensorrt", prov_device, detail=f"{e.name}, TensorRT {self.trt.__version__}")
            results.append(EngineResult(e, Measurement(prov, n / self.duration_s, e.batch, {"mean": lat})))
        return PlanResult(plan, tuple(results), sum(r.images_per_s for r in results),
                          Provenance("measured", "tensorrt", prov_device, detail=f"{len(results)} concurrent contexts"))

    def _build(self, engine) -> bytes:
        trt, c = self.trt, engine.config
        builder = trt.Builder(self._logger)
        network = builder.create_network(0)
        parser = trt.OnnxParser(network, self._logger)
        if not parser.parse_from_file(engine.model):
            errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
            raise BackendFailed(f"{engine.name}: TensorRT cannot parse {engine.model}", errors or None)
        cfg = builder.create_builder_config()
        cfg.set_flag(trt.BuilderFlag.INT8 if c.precision == "int8" else trt.BuilderFlag.FP16)
        if c.allow_fp16:  # --int8 --fp16 / --best: layers without INT8 on DLA run in FP16 there
            cfg.set_flag(trt.BuilderFlag.FP16)
        if c.precision == "int8" and not c.calibrated:
            _placeholder_ranges(network)
        if c.use_dla:
            cfg.default_device_type = trt.DeviceType.DLA
            cfg.DLA_core = c.dla_core
            if c.gpu_fallback:
                cfg.set_flag(trt.BuilderFlag.GPU_FALLBACK)
            if c.dla_sram_mib is not None:
                cfg.set_memory_pool_limit(trt.MemoryPoolType.DLA_MANAGED_SRAM, int(c.dla_sram_mib * (1 << 20)))
        overrides = dict(c.layer_device_overrides)
        for i in range(network.num_layers):
            layer = network.get_layer(i)
            if layer.name in overrides:
                cfg.set_device_type(layer, getattr(trt.DeviceType, overrides[layer.name].upper()))
        for i in range(network.num_inputs):
            _set_format(trt, network.get_input(i), c.input_format(i))
        for i in range(network.num_outputs):
            _set_format(trt, network.get_output(i), c.output_format(i))
        if c.shapes:
            profile = builder.create_optimization_profile()
            for name, shape in c.shapes:
                profile.set_shape(name, shape, shape, shape)
            cfg.add_optimization_profile(profile)
        blob = builder.build_serialized_network(network, cfg)
        if blob is None:
            raise BackendFailed(f"{engine.name}: TensorRT could not build the engine",
                                "Re-run with the printed trtexec build command and --verbose to see why.")
        return bytes(blob)

    def _run(self, plan: DeploymentPlan):
        trt, cudart = self.trt, self.cudart
        runtime = trt.Runtime(self._logger)
        instances = []
        for e in plan.engines:
            if e.device != "gpu":
                runtime.DLA_core = e.config.dla_core
            cuda_engine = runtime.deserialize_cuda_engine(self._engines[engine_filename(e)])
            if cuda_engine is None:
                raise BackendFailed(f"{e.name}: the engine could not be deserialised", None)
            ctx = cuda_engine.create_execution_context()
            _, stream = cudart.cudaStreamCreate()
            buffers = []
            for i in range(cuda_engine.num_io_tensors):
                name = cuda_engine.get_tensor_name(i)
                size = cuda_engine.get_tensor_bytes_per_component(name) * max(1, _volume(ctx.get_tensor_shape(name)))
                err, ptr = cudart.cudaMalloc(max(size, 1 << 12))
                if int(err) != 0:
                    raise BackendFailed(f"{e.name}: cudaMalloc failed ({err})", None)
                buffers.append(ptr)
                ctx.set_tensor_address(name, ptr)
            instances.append((cuda_engine, ctx, stream, buffers))
        counts = [0] * len(instances)
        busy = [0.0] * len(instances)
        errors: list[str] = []
        start = threading.Barrier(len(instances))

        def loop(k, ctx, stream):
            start.wait()
            end = time.monotonic() + self.duration_s
            while time.monotonic() < end:
                t0 = time.monotonic()
                if not ctx.execute_async_v3(stream):
                    errors.append(f"{plan.engines[k].name}: enqueue failed")
                    return
                cudart.cudaStreamSynchronize(stream)
                busy[k] += time.monotonic() - t0
                counts[k] += 1

        threads = [threading.Thread(target=loop, args=(k, ctx, s)) for k, (_, ctx, s, _) in enumerate(instances)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for _, _, stream, buffers in instances:
            for b in buffers:
                cudart.cudaFree(b)
            cudart.cudaStreamDestroy(stream)
        if errors:
            raise BackendFailed(errors[0], "Re-run the plan's trtexec commands to see TensorRT's own message.")
        latencies = [1000.0 * busy[k] / counts[k] if counts[k] else float("nan") for k in range(len(instances))]
        return counts, latencies


def _volume(shape) -> int:
    n = 1
    for d in shape:
        n *= max(int(d), 1)
    return n


def _set_format(trt, tensor, fmt) -> None:
    tensor.dtype = getattr(trt, _TYPES[fmt.dtype])
    tensor.allowed_formats = 1 << int(getattr(trt.TensorFormat, _LAYOUTS[fmt.layout]))


def _placeholder_ranges(network) -> None:
    for i in range(network.num_inputs):
        network.get_input(i).set_dynamic_range(-_IN_RANGE, _IN_RANGE)
    for i in range(network.num_layers):
        layer = network.get_layer(i)
        for j in range(layer.num_outputs):
            layer.get_output(j).set_dynamic_range(-_OUT_RANGE, _OUT_RANGE)
