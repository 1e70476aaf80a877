"""The recipes of docs/extending.md, each adding a toy extension from a temporary folder.

Every toy lives in files written under ``tmp_path`` (a rule folder, a platform file, a Python module),
and is removed from its registry afterwards, so the recipes are checked exactly as a user follows them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import textwrap
from pathlib import Path

import onnx
import pytest
from onnx import helper

from advice.models import conv_chain
from dla_advisor.testing import BackendContract

from onnx_builder import conv, model, vi
from support import REPO, run_cli

DOC = REPO / "docs" / "extending.md"
SRC = "https://example.org/our-dla-notes"


def _import_file(path: Path, name: str):
    """Import a user's module from a file, as their own code would before calling dla-advisor."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def strided(tmp_path) -> Path:
    path = tmp_path / "strided.onnx"
    onnx.save(conv_chain(channels=8, size=32, stride=2), path)
    return path


def test_every_file_a_recipe_names_exists():
    text = DOC.read_text()
    for heading in ("A rule", "A detector", "A platform constraint", "A platform (your own file)", "An artifact reader",
                    "A rewrite", "A tuning backend", "A renderer"):
        assert f"\n## {heading}" in text, heading
    paths = {p for p in re.findall(r"`([\w./-]+\.(?:py|yaml|md))(?:::\w+)?`", text) if "/" in p and "<" not in p}
    missing = sorted(p for p in paths if not (REPO / p).exists() and not p.startswith("my-"))
    assert len(paths) > 20 and missing == []
    for test in re.findall(r"`tests/test_extending\.py::(\w+)`", text):
        assert test in globals(), test


def test_recipe_platform_file_that_extends_a_builtin(tmp_path, strided, capsys):
    plat = tmp_path / "our-orin.yaml"
    plat.write_text(textwrap.dedent(f"""\
        extends: orin-trt10
        title: "Orin, our build: stride-1 convolutions only"
        layers:
          Convolution:
            precisions: [fp16, int8]
            source: "{SRC}"
            checks:
              - {{reason: conv-stride-range, check: range, attr: strides, min: 1, max: 1, source: "{SRC}", message: "stride {{value}} > 1"}}
        """))
    rc, out, _ = run_cli(capsys, "advise", strided, "--platform", plat, "--format", "json")
    placed = {l["name"]: l["device"] for l in json.loads(out)["layout"]["layers"] if l["name"].startswith("conv")}
    assert rc == 0 and placed == {"conv0 + relu0": "GPU", "conv1 + relu1": "DLA"}
    rc, out, _ = run_cli(capsys, "advise", strided, "--format", "json")
    assert {l["name"]: l["device"] for l in json.loads(out)["layout"]["layers"]}["conv0 + relu0"] == "DLA"


def test_recipe_rule_in_a_user_folder(tmp_path, strided, capsys):
    """A rule reusing a detector, in a folder passed with --rules; the gate fails on it."""
    rules = tmp_path / "our-rules"
    rules.mkdir()
    (rules / "policy.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: OUR101
            name: strided-first-convolution
            title: A strided stem convolution leaves DLA in our builds
            severity: error
            detector: fallback-reason
            params: {reasons: [conv-stride-range]}
            message: "{layer}{where} runs on the GPU: {detail}."
            rationale: "Our budget is 0 GPU layers per DLA model (policy 7)."
            example: {bad: "Conv stride 2 at the stem", good: "Conv stride 1, then MaxPool 2x2"}
            fix:
              summary: "Use stride 1 and pool after {layer}"
              fix_safety: changes-model
              trtexec_flags: ["--layerDeviceTypes={layer}:GPU"]
            references: ["https://example.org/our-policy"]
            since: "2026.1"
        """))
    plat = tmp_path / "our-orin.yaml"
    plat.write_text(f"extends: orin-trt10\nlayers:\n  Convolution:\n    source: '{SRC}'\n    checks:\n"
                    f"      - {{reason: conv-stride-range, check: range, attr: strides, min: 1, max: 1, source: '{SRC}'}}\n")
    rc, out, _ = run_cli(capsys, "check", strided, "--rules", rules, "--platform", plat, "--select", "OUR101",
                         "--format", "json")
    doc = json.loads(out)
    assert rc == 1 and doc["rules_checked"] == ["OUR101"]
    findings = [f for item in doc["inputs"] for f in item["findings"]]
    assert [(f["rule_id"], f["layers"]) for f in findings] == [("OUR101", ["conv0 + relu0"])]


TOY_DETECTOR = '''
"""Our own detector: convolutions wider than a kernel size we allow."""
from dla_advisor.advice import Hit, detector


@detector("our-wide-kernel", params={"required": ["max_kernel"], "properties": {"max_kernel": {"type": "integer"}}})
def wide_kernel(layout, network, platform, config, params):
    """Convolutions whose kernel exceeds max_kernel."""
    wide = tuple(l.name for l in network if l.kind == "Convolution" and max(l.attrs.get("kernel") or [0]) > params["max_kernel"])
    return [Hit(layers=wide, values={"max_kernel": params["max_kernel"]})] if wide else []
'''


def test_recipe_detector_from_a_user_module(tmp_path):
    from dla_advisor.advice import DETECTORS, evaluate, load_rules
    from dla_advisor.graph import network_from_model
    from dla_advisor.layout import BuildConfig, predict
    from dla_advisor.platforms import load_platform

    (tmp_path / "our_detectors.py").write_text(TOY_DETECTOR)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ours.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: OUR201
            name: wide-kernel
            title: Kernels wider than our limit
            severity: warning
            detector: our-wide-kernel
            params: {max_kernel: 5}
            message: "{count} convolution(s) wider than {max_kernel}: {layers}"
            rationale: "Kernels above 5 cost us 2x in our latency budget (bench 12)."
            example: {bad: "7x7 stem", good: "two 3x3"}
            fix: {summary: "Split the kernel", fix_safety: changes-model}
            references: ["https://example.org/bench-12"]
            since: "2026.1"
        """))
    with pytest.raises(Exception, match="unknown detector 'our-wide-kernel'"):
        load_rules([tmp_path / "rules"])  # not registered until the user's module is imported
    try:
        _import_file(tmp_path / "our_detectors.py", "our_detectors")
        assert "our-wide-kernel" in DETECTORS
        rules = load_rules([tmp_path / "rules"])
        for kernel, expected in ((7, ["conv0 + relu0"]), (3, None)):
            net = network_from_model(conv_chain(kernel=kernel))
            found = evaluate(predict(net, load_platform(None), BuildConfig()), net, load_platform(None),
                             rules=rules, select=["OUR201"])
            assert ([list(f.layers) for f in found] or [None])[0] == expected
            if expected:
                assert found[0].message == "1 convolution(s) wider than 5: conv0 + relu0"
    finally:
        DETECTORS.remove("our-wide-kernel")
        sys.modules.pop("our_detectors", None)


def test_recipe_new_kind_of_platform_check(tmp_path):
    """A new checker (layout) plus its parameters (platform vocabulary); a platform file then uses it."""
    from dla_advisor.errors import PlatformFileError
    from dla_advisor.graph import network_from_model
    from dla_advisor.layout import BuildConfig, predict
    from dla_advisor.layout._checks import _CHECKERS, checker
    from dla_advisor.platforms import _vocabulary, load_platform

    plat = tmp_path / "narrow.yaml"
    plat.write_text(f"extends: orin-trt10\nlayers:\n  Convolution:\n    source: '{SRC}'\n    checks:\n"
                    f"      - {{reason: conv-groups-range, check: our_max_out_channels, max: 8, source: '{SRC}',"
                    f" message: '{{value}} output channels > 8'}}\n")
    with pytest.raises(PlatformFileError, match="unknown check 'our_max_out_channels'"):
        load_platform(str(plat))

    @checker("our_max_out_channels")
    def _max_out(layer, net, entry, ctx):
        c = layer.attrs.get("out_channels")
        return None if c is None or c <= entry["max"] else {"value": c}

    _vocabulary.CHECKS["our_max_out_channels"] = {"required": {"max": {"type": "integer"}}, "optional": {}}
    try:
        net = network_from_model(conv_chain(channels=16))
        layout = predict(net, load_platform(str(plat)), BuildConfig())
        gpu = {p.name: p.reasons[0].message for p in layout.placements if p.device == "GPU" and p.kind == "Convolution"}
        assert gpu == {"conv0 + relu0": "16 output channels > 8", "conv1 + relu1": "16 output channels > 8"}
    finally:
        _CHECKERS.remove("our_max_out_channels")
        del _vocabulary.CHECKS["our_max_out_channels"]


TOY_REWRITE = '''
"""Our own rewrite: drop Identity nodes that are not graph outputs."""
from dla_advisor.rewrite import Rewrite, register


def _drop_identity(graph, ctx):
    outputs = {id(t) for t in graph.outputs}
    sites = 0
    for node in list(graph.nodes):
        if node.op != "Identity" or id(node.outputs[0]) in outputs:
            continue
        src, dst = node.inputs[0], node.outputs[0]
        for consumer in list(dst.outputs):
            consumer.inputs[consumer.inputs.index(dst)] = src
        node.outputs.clear()
        sites += 1
    return sites


REWRITE = register(Rewrite(name="our-drop-identity", title="Identity -> nothing",
                           applies="an Identity whose output is not a graph output",
                           exact="Identity returns its input unchanged", apply=_drop_identity))
'''


def test_recipe_rewrite_registered_from_a_user_module(tmp_path):
    rewrite = pytest.importorskip("dla_advisor.rewrite")
    pytest.importorskip("onnx_graphsurgeon")
    from dla_advisor.platforms import load_platform

    (tmp_path / "our_rewrites.py").write_text(TOY_REWRITE)
    node, w = conv("conv", "input", "c", 3, 8)
    m = model([node, helper.make_node("Identity", ["c"], ["i"], name="copy"),
               helper.make_node("Relu", ["i"], ["output"], name="relu")],
              [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w])
    try:
        _import_file(tmp_path / "our_rewrites.py", "our_rewrites")
        assert rewrite.all_rewrites()[-1].name == "our-drop-identity"
        result = rewrite.apply_rewrites(m, rewrite.select("our-drop-identity"),
                                        rewrite.limits_from_platform(load_platform(None)))
        assert result.sites == (("our-drop-identity", 1),)
        assert [n.op_type for n in result.model.graph.node] == ["Conv", "Relu"]
        assert [n.op_type for n in m.graph.node] == ["Conv", "Identity", "Relu"]  # the input is untouched
    finally:
        rewrite.unregister("our-drop-identity")
        sys.modules.pop("our_rewrites", None)


TOY_BACKEND = '''
"""Our own backend: fixed rates per device (a stand-in for a lab's measurement service)."""
from pathlib import Path

from dla_advisor.errors import BackendFailed
from dla_advisor.layout import Measurement, Provenance
from dla_advisor.tuning import Backend, BackendInfo, EngineResult, PlanResult

RATES_QPS = {"gpu": 400.0, "dla0": 130.0, "dla1": 130.0}


class FixedRateBackend(Backend):
    def __init__(self, device):
        self.device = device

    def describe(self):
        return BackendInfo("fixed", "modelled", self.device, "fixed rates per device")

    def measure(self, plan):
        if not plan.engines:
            raise BackendFailed("the plan has no engines", "Add an engine.")
        prov = Provenance("modelled", device=self.device, detail="fixed rates")
        results = []
        for e in plan.engines:
            if not Path(e.model).is_file():
                raise BackendFailed(f"{e.model}: no such model", "Check the path.")
            qps = RATES_QPS[e.device]
            results.append(EngineResult(e, Measurement(prov, qps, e.batch, {"mean": 1000.0 / qps})))
        return PlanResult(plan, tuple(results), sum(r.images_per_s for r in results), prov)


def factory(device, power_mode, platform, catalog, options):
    return FixedRateBackend(device)
'''


class TestRecipeToyBackend(BackendContract):
    """The shared backend contract, run against a backend registered from a user's module."""

    expected_kind = "modelled"

    @pytest.fixture(autouse=True)
    def _registered(self, tmp_path):
        from dla_advisor.tuning import BACKENDS

        (tmp_path / "our_backend.py").write_text(TOY_BACKEND)
        module = _import_file(tmp_path / "our_backend.py", "our_backend")
        BACKENDS.add("fixed", module.factory)
        yield
        BACKENDS.remove("fixed")
        sys.modules.pop("our_backend", None)

    def make_backend(self, tmp_path):
        from dla_advisor.tuning import make_backend

        return make_backend("fixed", "our-board", "MAXN")
