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
                    "A rewrite", "A tuning backend", "A renderer", "A command"):
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


TOY_READER = '''
"""Our own artifact: the placement CSV our lab's build wrapper writes ("engine layer,device" rows)."""
from dla_advisor.artifacts import LayoutReader, Observation, reader

HEADER = "engine layer,device"


@reader("our-placement-csv")
class LayoutFromPlacementCsv(LayoutReader):
    label = "a placement CSV of our build wrapper"

    @classmethod
    def claims(cls, head):
        return head.startswith(HEADER)

    def observe(self):
        obs = Observation(self.path, self.kind)
        with open(self.path, encoding="utf-8") as f:
            rows = [line.strip().rsplit(",", 1) for line in f if line.strip() and not line.startswith(HEADER)]
        for name, device in rows:
            if device == "DLA":
                obs.dla_block.append(name)
            else:
                obs.gpu_block.append(("", name))
        obs.placement_block = bool(rows)
        return obs
'''


def test_recipe_artifact_reader_from_a_user_module(tmp_path, capsys):
    from dla_advisor.artifacts import READERS, accepted_kinds

    (tmp_path / "our_reader.py").write_text(TOY_READER)
    csv = tmp_path / "build-17.csv"
    csv.write_text("engine layer,device\n{conv0,relu0,conv1},DLA\nhead_conv,GPU\n")
    rc, _, err = run_cli(capsys, "inspect", csv)
    assert rc == 2 and "it is not a TensorRT artifact" in err  # nobody reads the kind yet
    try:
        _import_file(tmp_path / "our_reader.py", "our_reader")
        assert "a placement CSV of our build wrapper" in accepted_kinds()
        rc, out, _ = run_cli(capsys, "inspect", csv, "--format", "json")
        doc = json.loads(out)
        assert rc == 0 and doc["artifacts"][0]["kind"] == "our-placement-csv"
        assert [(l["name"], l["device"]) for l in doc["layout"]["layers"]] == [("{conv0,relu0,conv1}", "DLA"),
                                                                               ("head_conv", "GPU")]
        empty = tmp_path / "empty.csv"
        empty.write_text("engine layer,device\n")
        rc, _, err = run_cli(capsys, "inspect", empty)
        assert rc == 2 and "read as a placement CSV of our build wrapper, but it holds no layer placement" in err
    finally:
        READERS.remove("our-placement-csv")
        sys.modules.pop("our_reader", None)


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


# order=5: after qdq-to-calib (0), before the pattern rewrites (10 and up), whose patterns an Identity breaks.
REWRITE = register(Rewrite(name="our-drop-identity", title="Identity -> nothing",
                           applies="an Identity whose output is not a graph output",
                           exact="Identity returns its input unchanged", apply=_drop_identity), order=5)
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
        names = [r.name for r in rewrite.all_rewrites()]
        assert names[:3] == ["qdq-to-calib", "our-drop-identity", "upsample-to-resize"]
        with pytest.raises(Exception, match=r"unknown rewrite\(s\): our-drop-identiy \(did you mean 'our-drop-identity'\?\)"):
            rewrite.select("our-drop-identiy")
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


TOY_FORMAT = '''
"""Our own check format: TAP (Test Anything Protocol) for our test dashboard, one line per finding."""
from dla_advisor.report import CHECK_FORMATS


@CHECK_FORMATS.register("our-tap")
def render_tap(report):
    rows = [(item.path, f) for item in report.inputs for f in item.findings]
    lines = [f"1..{len(rows)}"]
    for n, (path, f) in enumerate(rows, 1):
        lines.append(f"{'not ok' if report.at_or_above(f.severity) else 'ok'} {n} - {f.rule_id} {path}")
    return "\\n".join(lines)
'''


def test_recipe_check_format_from_a_user_module(tmp_path, strided, capsys):
    from dla_advisor.report import CHECK_FORMATS

    (tmp_path / "our_format.py").write_text(TOY_FORMAT)
    rc, _, err = run_cli(capsys, "check", strided, "--format", "our-tap")
    assert rc == 2 and "'our-tap' is not one of 'text', 'json'" in err
    rc_json, out, _ = run_cli(capsys, "check", strided, "--format", "json")
    findings = [(f["rule_id"], f["severity"]) for item in json.loads(out)["inputs"] for f in item["findings"]]
    try:
        _import_file(tmp_path / "our_format.py", "our_format")
        assert list(CHECK_FORMATS)[-1] == "our-tap"
        rc, out, _ = run_cli(capsys, "check", strided, "--format", "our-tap")
        lines = out.splitlines()
        assert rc == rc_json and lines[0] == f"1..{len(findings)}" and len(findings) >= 1
        expected = [f"{'ok' if sev == 'info' else 'not ok'} {n} - {rule} {strided}"  # --fail-on warning
                    for n, (rule, sev) in enumerate(findings, 1)]
        assert lines[1:] == expected
    finally:
        CHECK_FORMATS.remove("our-tap")
        sys.modules.pop("our_format", None)


TOY_ADVISE_FORMAT = '''
"""Our own advise format: CSV of layer and device, for a spreadsheet."""
from dla_advisor.report import formats


@formats("advise").register("our-csv")
def render_csv(result, **_):
    rows = [f"{p.name},{p.device}" for p in result.layout.placements]
    return "\\n".join(["layer,device", *rows])
'''


def test_recipe_format_of_another_command_from_a_user_module(tmp_path, strided, capsys):
    from dla_advisor.report import formats

    (tmp_path / "our_advise_format.py").write_text(TOY_ADVISE_FORMAT)
    rc, _, err = run_cli(capsys, "advise", strided, "--format", "our-csv")
    assert rc == 2 and "'our-csv' is not one of 'text', 'json', 'html'" in err
    _, out, _ = run_cli(capsys, "advise", strided, "--format", "json")
    layers = [f"{layer['name']},{layer['device']}" for layer in json.loads(out)["layout"]["layers"]]
    try:
        _import_file(tmp_path / "our_advise_format.py", "our_advise_format")
        assert list(formats("advise"))[-1] == "our-csv" and "our-csv" not in formats("check")
        rc, out, _ = run_cli(capsys, "advise", strided, "--format", "our-csv")
        assert rc == 0 and out.splitlines() == ["layer,device", *layers] and len(layers) >= 2
        assert {line.rsplit(",", 1)[1] for line in layers} <= {"DLA", "GPU"}
    finally:
        formats("advise").remove("our-csv")
        sys.modules.pop("our_advise_format", None)


TOY_COMMAND = '''
"""Our own command: how many layers of a model run on DLA, one number for a dashboard."""
import click

import dla_advisor


@click.command("our-dla-count", help="Print how many engine layers of MODEL run on DLA.")
@click.argument("model", type=click.Path(dir_okay=False))
def command(model):
    layout = dla_advisor.advise(model).layout
    click.echo(sum(1 for p in layout.placements if p.device == "DLA"))
    return 0
'''


def test_recipe_command_from_a_user_module(tmp_path, strided, capsys, monkeypatch):
    from dla_advisor.cli import COMMANDS

    (tmp_path / "our_commands.py").write_text(TOY_COMMAND)
    monkeypatch.syspath_prepend(str(tmp_path))
    COMMANDS.add("our-dla-count", "our_commands")
    try:
        rc, out, _ = run_cli(capsys, "--help")
        listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
        assert rc == 0 and listed[-2:] == ["calibrate", "our-dla-count"]
        rc, out, _ = run_cli(capsys, "our-dla-count", strided)
        _, advised, _ = run_cli(capsys, "advise", strided, "--format", "json")
        on_dla = [l for l in json.loads(advised)["layout"]["layers"] if l["device"] == "DLA"]
        assert rc == 0 and out.strip() == str(len(on_dla)) and on_dla
        rc, _, err = run_cli(capsys, "our-dla-cont", strided)
        assert rc == 2 and "No such command 'our-dla-cont' (did you mean 'our-dla-count'?)" in err
    finally:
        COMMANDS.remove("our-dla-count")
        sys.modules.pop("our_commands", None)
