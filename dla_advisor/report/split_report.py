"""`split` reports: the two parts, the cut and its formats, verification, build commands, throughput."""

from __future__ import annotations

from ._json import envelope

SCHEMA_VERSION = "1.0"
_SHOWN = 8  # hand-over tensors listed in text; JSON lists all


def _shape(net, name: str) -> list[int] | None:
    t = net.tensor(name) if net is not None else None
    return [int(d) for d in t.shape] if t is not None and t.shape else None


def render_split(r, perf: dict, platform: str) -> str:
    s_d, s_g = r.dla_layout.summary(), r.gpu_layout.summary() if r.gpu_layout is not None else None
    out = [f"split: {r.model} -> {r.dla_path}" + (f" + {r.gpu_path}" if r.gpu_path else "")
           + f"  ({platform}, {' '.join(r.dla_config.precision_flags())})", ""]
    out.append(f"DLA part: {s_d['layers']} layers, {s_d['dla_loadables']} DLA loadable(s), {s_d['gpu_layers']} GPU "
               f"layer(s), {s_d['reformats']} Reformat(s) (predicted)")
    if s_g is not None:
        out.append(f"GPU part: {s_g['layers']} layers")
    whole = r.full_layout.summary()
    out.append(f"whole model on DLA with GPU fallback: {whole['dla_loadables']} loadable(s), {whole['gpu_layers']} "
               f"GPU layer(s), {whole['reformats']} Reformat(s) (predicted)")
    out += ["", f"Cut: {len(r.cut.dla_outputs)} tensor(s) handed over in DLA-native formats (no Reformat on either side)"]
    for t in r.cut.dla_outputs[:_SHOWN]:
        out.append(f"  {t}  {_shape(r.dla_network, t)}  {r.handover_formats[t]}")
    if len(r.cut.dla_outputs) > _SHOWN:
        out.append(f"  ... and {len(r.cut.dla_outputs) - _SHOWN} more (--format json lists all)")
    if r.cut.skip_inputs:
        out.append(f"  network input(s) read by the GPU part directly: {', '.join(r.cut.skip_inputs)}")
    out += ["", "Verification (onnxruntime, DLA part then GPU part vs. the original):"]
    if not r.outputs:
        out.append("  not run (--no-verify)")
    for o in r.outputs:
        word = "match" if o.ok else "DIFFERS"
        out.append(f"  {o.name} {list(o.shape)}: {word} (max |diff| {o.max_abs_diff:.3g})")
    for n in r.notes:
        out.append(f"  note: {n}")
    dla_cmd, gpu_cmd = r.commands()
    out += ["", "Build the two engines:", f"  {dla_cmd}"]
    if r.gpu_path:
        out.append(f"  {gpu_cmd}")
    out += ["", *_perf_lines(perf)]
    return "\n".join(out) + "\n"


def _perf_lines(perf: dict) -> list[str]:
    if "note" in perf:
        return [perf["note"]]
    stages = ", ".join(f"{k} {v:.0f}" for k, v in perf["stages"].items())
    return [f"Throughput, {perf['provenance']}:",
            f"  DLA part + GPU part, pipelined in one process: {perf['pipeline_images_per_s']:.0f} images/s ({stages})",
            f"  whole model on the GPU:                        {perf['whole_gpu_images_per_s']:.0f} images/s"]


def split_document(r, perf: dict, platform: str) -> dict:
    dla_cmd, gpu_cmd = r.commands()
    return {
        **envelope("split", SCHEMA_VERSION),
        "model": r.model, "platform": platform, "precision": r.dla_config.precision_spec,
        "parts": {
            "dla": {"path": r.dla_path, "summary": r.dla_layout.summary(), "layers": list(r.cut.dla_layers),
                    "trtexec": dla_cmd},
            "gpu": {"path": r.gpu_path, "summary": r.gpu_layout.summary() if r.gpu_layout is not None else None,
                    "trtexec": gpu_cmd if r.gpu_path else ""},
        },
        "cut": [{"tensor": t, "shape": _shape(r.dla_network, t), "format": r.handover_formats[t]}
                for t in r.cut.dla_outputs],
        "skip_inputs": list(r.cut.skip_inputs),
        "verification": [{"output": o.name, "shape": list(o.shape), "match": o.ok, "max_abs_diff": o.max_abs_diff,
                          "detail": o.detail} for o in r.outputs],
        "random_weights": len(r.random_weights),
        "notes": list(r.notes),
        "throughput": perf,
    }
