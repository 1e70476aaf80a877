"""Export the detector/segmenter/classifier zoo the way users do, then keep weight-free skeletons.

Run by hand (needs the ``zoo`` extra: ``pip install -e '.[zoo]'``; YOLOv5 also needs a checkout of
ultralytics/yolov5 at tag v7.0, given with ``--yolov5 PATH``)::

    python models/make_zoo.py [--out tests/data/zoo] [--yolov5 PATH] [MODEL ...]

Every model is built from its definition with random weights (ultralytics from its yaml, torchvision
with ``weights=None, weights_backbone=None``): layer placement depends on shapes and operators, never
on trained values, and nothing is downloaded. Each is exported through the code path its users run:

* YOLOv5 v7.0: the repository's own ``export.run(include=('onnx',))`` (opset 12, 640x640) on a
  checkpoint of the yaml-built model. PyTorch 2.9+ defaults ``torch.onnx.export`` to the dynamo
  exporter, which YOLOv5 v7.0 (2022) predates, so the TorchScript exporter it was written for is
  selected (``dynamo=False``); nothing else in its code path changes.
* ultralytics (YOLOv8/11/26, RT-DETR): ``model.export(format="onnx")`` with its defaults.
* torchvision: ``torch.onnx.export(..., dynamo=False, opset_version=17)``; classifiers with a dynamic
  batch axis as in most deployment guides, detectors and segmenters at a fixed input size. The
  ``*_dynamo`` entries use PyTorch 2.9+'s default (torch.export-based) exporter with its defaults
  (opset 20 here, weights in a ``.onnx.data`` file); it cannot export torchvision's detectors.

The skeleton keeps every tensor's name, dtype and dims; the data of each tensor with more than
``KEEP_ELEMENTS`` elements (initializers and ``Constant`` values, in subgraphs too) becomes an
external-data reference to a weights file that is not shipped. Smaller tensors (shape literals,
indices, scales) keep their values, because the importer folds shape arithmetic with them.
``MANIFEST.md`` beside the skeletons records each model's source, version, command and opset.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata as md
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto

KEEP_ELEMENTS = 4096  # values of larger tensors are weights to layout analysis, never read
REPO = Path(__file__).resolve().parents[1]


@dataclass
class ZooEntry:
    name: str
    source: str             # package (or repository tag) the definition comes from
    command: str            # the export call, as a user writes it
    export: Callable[[Path, argparse.Namespace], Path]


# -- exports ----------------------------------------------------------------------------------
def _ultralytics(yaml_name: str, cls: str = "YOLO", **options):
    def export(work: Path, args) -> Path:
        import ultralytics

        model = getattr(ultralytics, cls)(yaml_name)
        os.chdir(work)
        return Path(model.export(format="onnx", **options)).resolve()
    return export


def _yolov5(cfg: str):
    def export(work: Path, args) -> Path:
        if not args.yolov5:
            raise SystemExit("YOLOv5 needs --yolov5 PATH (a checkout of ultralytics/yolov5 at tag v7.0)")
        src = Path(args.yolov5).resolve()
        ckpt = work / f"{cfg}.pt"
        # A fresh interpreter: YOLOv5 imports its top-level packages (models, utils) from sys.path,
        # which would shadow ours. Its checkpoints are pickled modules, so weights-only loading is off.
        code = (
            "import sys, functools, torch\n"
            f"sys.path.insert(0, {str(src)!r})\n"
            "torch.onnx.export = functools.partial(torch.onnx.export, dynamo=False)\n"
            "from models.yolo import Model\n"
            f"m = Model({str(src / 'models' / (cfg + '.yaml'))!r}, ch=3, nc=80)\n"
            f"torch.save({{'model': m, 'epoch': -1}}, {str(ckpt)!r})\n"
            "import export\n"
            f"export.run(weights={str(ckpt)!r}, include=('onnx',), imgsz=(640, 640))\n"
        )
        env = dict(os.environ, TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1")
        subprocess.run([sys.executable, "-c", code], cwd=work, env=env, check=True)
        return ckpt.with_suffix(".onnx")
    return export


def _torchvision(builder: str, shape: tuple[int, ...], kind: str, dynamo: bool = False, **kwargs):
    def export(work: Path, args) -> Path:
        import torch
        import torchvision

        torch.manual_seed(0)
        model = getattr(torchvision.models, builder) if kind == "classify" else \
            getattr(getattr(torchvision.models, kind), builder)
        model = model(weights=None, **kwargs).eval()
        x = torch.rand(*shape)
        out = work / f"{builder}.onnx"
        if dynamo:  # PyTorch 2.9+'s default exporter, called as its docs show: opset and shapes its own
            torch.onnx.export(model, (x,), str(out), input_names=["input"], output_names=["output"])
            return out
        if kind == "detection":
            names = dict(input_names=["images"], output_names=["boxes", "scores", "labels"])
        elif kind == "segmentation":
            names = dict(input_names=["input"], output_names=["out"])
        else:
            names = dict(input_names=["input"], output_names=["output"],
                         dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        if kind == "segmentation":
            model = _seg_wrapper()(model)
        # Not under no_grad: there nn.MultiheadAttention takes its fused fast path, which has no ONNX
        # symbolic; exporting with autograd on is what the tutorials do.
        torch.onnx.export(model, (x,), str(out), opset_version=17, dynamo=False, **names)
        return out
    return export


def _seg_wrapper():
    """The wrapper class, defined on first use: torch is imported only when an export runs."""
    import torch

    class SegOut(torch.nn.Module):
        """torchvision segmenters return a dict; deployments export its ``out`` tensor."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x)["out"]
    return SegOut



_TV = "torch.onnx.export(model.eval(), (x,), f, opset_version=17, dynamo=False"
_NB = "weights=None, weights_backbone=None"
ZOO = [
    ZooEntry("yolov5n", "ultralytics/yolov5 v7.0 (915bbf29)", "python export.py --weights yolov5n.pt --include onnx "
             "(export.run; weights: Model('models/yolov5n.yaml') random init; TorchScript exporter)", _yolov5("yolov5n")),
    ZooEntry("yolov8n", "ultralytics", "YOLO('yolov8n.yaml').export(format='onnx')", _ultralytics("yolov8n.yaml")),
    ZooEntry("yolo11n", "ultralytics", "YOLO('yolo11n.yaml').export(format='onnx')", _ultralytics("yolo11n.yaml")),
    ZooEntry("yolo11s", "ultralytics", "YOLO('yolo11s.yaml').export(format='onnx')", _ultralytics("yolo11s.yaml")),
    ZooEntry("yolo11m", "ultralytics", "YOLO('yolo11m.yaml').export(format='onnx')", _ultralytics("yolo11m.yaml")),
    ZooEntry("yolo11l", "ultralytics", "YOLO('yolo11l.yaml').export(format='onnx')", _ultralytics("yolo11l.yaml")),
    ZooEntry("yolo11x", "ultralytics", "YOLO('yolo11x.yaml').export(format='onnx')", _ultralytics("yolo11x.yaml")),
    ZooEntry("yolo26n", "ultralytics", "YOLO('yolo26n.yaml').export(format='onnx')", _ultralytics("yolo26n.yaml")),
    ZooEntry("yolov8n_dynamic", "ultralytics", "YOLO('yolov8n.yaml').export(format='onnx', dynamic=True)",
             _ultralytics("yolov8n.yaml", dynamic=True)),
    ZooEntry("yolov8n_nms", "ultralytics", "YOLO('yolov8n.yaml').export(format='onnx', nms=True)",
             _ultralytics("yolov8n.yaml", nms=True)),
    ZooEntry("yolov8n-seg", "ultralytics", "YOLO('yolov8n-seg.yaml').export(format='onnx')",
             _ultralytics("yolov8n-seg.yaml")),
    ZooEntry("yolov8n-pose", "ultralytics", "YOLO('yolov8n-pose.yaml').export(format='onnx')",
             _ultralytics("yolov8n-pose.yaml")),
    ZooEntry("yolo11n-obb", "ultralytics", "YOLO('yolo11n-obb.yaml').export(format='onnx')",
             _ultralytics("yolo11n-obb.yaml")),
    ZooEntry("rtdetr-l", "ultralytics", "RTDETR('rtdetr-l.yaml').export(format='onnx')",
             _ultralytics("rtdetr-l.yaml", "RTDETR")),
    ZooEntry("ssdlite320_mobilenet_v3_large", "torchvision",
             f"detection.ssdlite320_mobilenet_v3_large({_NB}); {_TV}), x 1x3x320x320",
             _torchvision("ssdlite320_mobilenet_v3_large", (1, 3, 320, 320), "detection", weights_backbone=None)),
    ZooEntry("retinanet_resnet50_fpn", "torchvision",
             f"detection.retinanet_resnet50_fpn({_NB}); {_TV}), x 1x3x800x800",
             _torchvision("retinanet_resnet50_fpn", (1, 3, 800, 800), "detection", weights_backbone=None)),
    ZooEntry("fasterrcnn_resnet50_fpn", "torchvision",
             f"detection.fasterrcnn_resnet50_fpn({_NB}); {_TV}), x 1x3x800x800",
             _torchvision("fasterrcnn_resnet50_fpn", (1, 3, 800, 800), "detection", weights_backbone=None)),
    ZooEntry("deeplabv3_mobilenet_v3_large", "torchvision",
             f"segmentation.deeplabv3_mobilenet_v3_large({_NB})['out']; {_TV}), x 1x3x520x520",
             _torchvision("deeplabv3_mobilenet_v3_large", (1, 3, 520, 520), "segmentation", weights_backbone=None)),
    ZooEntry("fcn_resnet50", "torchvision",
             f"segmentation.fcn_resnet50({_NB})['out']; {_TV}), x 1x3x520x520",
             _torchvision("fcn_resnet50", (1, 3, 520, 520), "segmentation", weights_backbone=None)),
    ZooEntry("vit_b_16", "torchvision", f"vit_b_16(weights=None); {_TV}, dynamic batch), x 1x3x224x224",
             _torchvision("vit_b_16", (1, 3, 224, 224), "classify")),
    ZooEntry("swin_t", "torchvision", f"swin_t(weights=None); {_TV}, dynamic batch), x 1x3x224x224",
             _torchvision("swin_t", (1, 3, 224, 224), "classify")),
    ZooEntry("resnet18", "torchvision", f"resnet18(weights=None); {_TV}, dynamic batch), x 1x3x224x224",
             _torchvision("resnet18", (1, 3, 224, 224), "classify")),
    ZooEntry("resnet18_dynamo", "torchvision", "resnet18(weights=None); torch.onnx.export(model.eval(), (x,), f) "
             "(dynamo exporter, its default opset), x 1x3x224x224",
             _torchvision("resnet18", (1, 3, 224, 224), "classify", dynamo=True)),
    ZooEntry("vit_b_16_dynamo", "torchvision", "vit_b_16(weights=None); torch.onnx.export(model.eval(), (x,), f) "
             "(dynamo exporter, its default opset), x 1x3x224x224",
             _torchvision("vit_b_16", (1, 3, 224, 224), "classify", dynamo=True)),
    ZooEntry("mobilenet_v2", "torchvision", f"mobilenet_v2(weights=None); {_TV}, dynamic batch), x 1x3x224x224",
             _torchvision("mobilenet_v2", (1, 3, 224, 224), "classify")),
]


# -- skeleton ---------------------------------------------------------------------------------
def graph_tensors(graph: onnx.GraphProto):
    """Every TensorProto of a graph: initializers, Constant values and those of subgraphs."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                yield attr.t
            elif attr.type == onnx.AttributeProto.TENSORS:
                yield from attr.tensors
            elif attr.type == onnx.AttributeProto.GRAPH:
                yield from graph_tensors(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from graph_tensors(g)


def skeletonize(model: onnx.ModelProto, weights_file: str) -> tuple[int, int]:
    """Replace large tensors' data by references into ``weights_file`` (not written); in place.

    Returns (tensors dropped, bytes dropped).
    """
    dropped, nbytes, offset = 0, 0, 0
    for t in graph_tensors(model.graph):
        n = int(np.prod(t.dims)) if len(t.dims) else 1
        if n <= KEEP_ELEMENTS or t.data_type == TensorProto.STRING:
            continue
        size = n * np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
        dims, dtype, name = list(t.dims), t.data_type, t.name
        t.Clear()
        t.name, t.data_type = name, dtype
        t.dims.extend(dims)
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", weights_file), ("offset", str(offset)), ("length", str(size))):
            e = t.external_data.add()
            e.key, e.value = k, v
        offset += (size + 4095) // 4096 * 4096  # aligned as onnx's own writer aligns large tensors
        dropped, nbytes = dropped + 1, nbytes + size
    return dropped, nbytes


def _version(package: str) -> str:
    try:
        return md.version(package)
    except md.PackageNotFoundError:
        return "?"


def _write_manifest(out: Path, rows: dict) -> None:
    lines = [
        "# Model zoo: weight-free skeletons of real ONNX exports",
        "",
        "Made by `python models/make_zoo.py` (see its docstring). Each model was built from its",
        "definition with random weights and exported through the path its users run. Tensors with more",
        f"than {KEEP_ELEMENTS} elements keep name, dtype and dims but their data is an external-data reference",
        "to `<model>.weights`, which is not shipped (placement needs shapes, not values). Load with",
        "`onnx.load(path, load_external_data=False)`.",
        "",
        "| model | source (version) | export | opset | nodes | weights dropped | made |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in sorted(rows):
        r = rows[name]
        lines.append(f"| `{name}.onnx` | {r['source']} | `{r['command']}` | {r['opset']} | {r['nodes']} | "
                     f"{r['dropped_tensors']} tensors, {r['dropped_bytes'] / 1e6:.1f} MB | {r['date']} |")
    lines += ["", "Export environment: " + ", ".join(f"{p} {_version(p)}" for p in
                                                   ("torch", "torchvision", "ultralytics", "onnx", "onnxslim")),
              ""]
    (out / "MANIFEST.md").write_text("\n".join(lines))
    (out / "manifest.json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", help=f"subset of: {' '.join(e.name for e in ZOO)}")
    ap.add_argument("--out", default=str(REPO / "tests" / "data" / "zoo"))
    ap.add_argument("--yolov5", help="checkout of ultralytics/yolov5 at tag v7.0")
    args = ap.parse_args(argv)
    wanted = set(args.models) or {e.name for e in ZOO}
    unknown = wanted - {e.name for e in ZOO}
    if unknown:
        ap.error(f"unknown model(s): {', '.join(sorted(unknown))}")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    rows = json.loads(manifest.read_text()) if manifest.exists() else {}
    cwd = os.getcwd()
    for entry in ZOO:
        if entry.name not in wanted:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                full = entry.export(Path(tmp), args)
            finally:
                os.chdir(cwd)
            model = onnx.load(str(full))
            dropped, nbytes = skeletonize(model, f"{entry.name}.weights")
            onnx.save(model, str(out / f"{entry.name}.onnx"))
        src = entry.source
        if src in ("ultralytics", "torchvision"):
            src = f"{src} {_version(src)}"
        rows[entry.name] = dict(
            source=src, command=entry.command, opset=max(i.version for i in model.opset_import if i.domain in ("", "ai.onnx")),
            nodes=len(model.graph.node), dropped_tensors=dropped, dropped_bytes=nbytes,
            date=datetime.date.today().isoformat())
        print(f"{entry.name}: {len(model.graph.node)} nodes, {dropped} tensors ({nbytes / 1e6:.1f} MB) dropped")
        _write_manifest(out, rows)  # after each model: a later export failing keeps the earlier rows


if __name__ == "__main__":
    main()
