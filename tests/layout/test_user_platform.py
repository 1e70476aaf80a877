"""User platform files (`--platform FILE.yaml` extending a built-in) and validation at load."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import onnx
import pytest
import yaml
from onnx import TensorProto

from dla_advisor.errors import PlatformFileError
from dla_advisor.platforms import list_platforms, load_platform, platforms_dir
from dla_advisor.platforms._vocabulary import CHECKS, LAYER_ATTRIBUTES, LAYER_KINDS

from onnx_builder import conv, model, vi

from support import REPO, run_cli

SRC = "https://example.com/drive-notes"
USER_FILE = textwrap.dedent(f"""\
    # A DRIVE-like variant whose DLA takes only stride-1 convolutions on one core.
    extends: orin-trt10
    title: "my DRIVE variant"
    cores: 1
    layers:
      Convolution:
        precisions: [fp16, int8]
        source: "{SRC}"
        checks:
          - {{reason: conv-stride-range, check: rnage, attr: strides, min: 1, max: 1, source: "{SRC}", message: "stride {{value}} > 1"}}
    """)


@pytest.fixture
def strided_model(tmp_path) -> Path:
    c1, w1 = conv("conv_s1", "x", "a", 3, 8)
    c2, w2 = conv("conv_s2", "a", "y", 8, 8, stride=2)
    path = tmp_path / "strided.onnx"
    onnx.save(model([c1, c2], [vi("x", [1, 3, 32, 32])], [vi("y", [1, 8, 16, 16], TensorProto.FLOAT)], [w1, w2]), path)
    return path


def _advise(model_path, platform, capsys):
    rc, out, err = run_cli(capsys, "advise", model_path, "--platform", platform, "--format", "json")
    return rc, (json.loads(out) if rc == 0 else None), err


def test_user_file_with_a_typo_exits_2_naming_file_entry_and_typo_then_the_fix_changes_the_prediction(
        tmp_path, strided_model, capsys):
    user = tmp_path / "my-drive.yaml"
    user.write_text(USER_FILE)
    rc, _, err = _advise(strided_model, user, capsys)
    assert rc == 2
    assert str(user) in err and "layers.Convolution.checks[0].check" in err
    assert "unknown check 'rnage' (did you mean 'range'?)" in err and "Traceback" not in err

    user.write_text(USER_FILE.replace("check: rnage", "check: range"))
    rc, mine, _ = _advise(strided_model, user, capsys)
    rc_builtin, builtin, _ = _advise(strided_model, "orin-trt10", capsys)
    assert rc == rc_builtin == 0
    devices = lambda doc: {l["name"]: l["device"] for l in doc["layout"]["layers"]}  # noqa: E731
    assert devices(builtin) == {"conv_s1": "DLA", "conv_s2": "DLA"}
    assert devices(mine) == {"conv_s1": "DLA", "conv_s2": "GPU"}
    (reason,) = [l for l in mine["layout"]["layers"] if l["name"] == "conv_s2"][0]["reasons"]
    assert reason["id"] == "conv-stride-range" and reason["source"] == SRC
    assert "my-drive.yaml:layers.Convolution.checks[0]" in json.dumps(reason)
    assert mine["layout"]["platform"] == "my-drive"
    # Inherited from orin-trt10 untouched; overridden where the file says so.
    plat = load_platform(str(user))
    assert plat.cores == 1 and plat.trt_min == "10.0" and plat.layer_entry("Pooling") == load_platform("orin-trt10").layer_entry("Pooling")


def test_extends_resolves_relative_to_the_file_before_the_builtin_folder(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "drive-base.yaml").write_text("extends: orin-trt8.6\ntitle: DRIVE base\ncores: 2\n")
    (tmp_path / "drive-a.yaml").write_text("extends: base/drive-base.yaml\ntitle: DRIVE A\n")
    (tmp_path / "base" / "drive-b.yaml").write_text("extends: drive-base\ntitle: DRIVE B\n")
    a, b = load_platform(str(tmp_path / "drive-a.yaml")), load_platform(str(tmp_path / "base" / "drive-b.yaml"))
    assert (a.id, a.title, a.trt_min) == ("drive-a", "DRIVE A", "8.6") and (b.id, b.trt_min) == ("drive-b", "8.6")
    (tmp_path / "bad.yaml").write_text("extends: orin_trt10\n")
    with pytest.raises(PlatformFileError, match=r"extends: no platform 'orin_trt10' \(did you mean 'orin-trt10'\?\)"):
        load_platform(str(tmp_path / "bad.yaml"))
    with pytest.raises(PlatformFileError, match="not found"):
        load_platform(str(tmp_path / "missing.yaml"))
    with pytest.raises(PlatformFileError) as e:
        load_platform("orin-trt10.yaml")  # a built-in id typed as a file name
    assert e.value.hint == "For the built-in target, give its id: --platform orin-trt10."


@pytest.mark.parametrize("entry, key, words", [
    ("{reason: conv-stride-range, check: range, atr: strides, min: 1, max: 1, source: 'https://x.y'}",
     "checks[0].atr", "check 'range' takes no parameter 'atr' (did you mean 'attr'?)"),
    ("{reason: conv-stride-range, check: range, attr: strides, max: 1, source: 'https://x.y'}",
     "checks[0]", "check 'range' needs the parameter 'min'"),
    ("{reason: conv-stride-range, check: range, attr: stride, min: 1, max: 1, source: 'https://x.y'}",
     "checks[0].attr", "unknown layer attribute 'stride' (did you mean 'strides'?)"),
    ("{reason: conv-strides-range, check: range, attr: strides, min: 1, max: 1, source: 'https://x.y'}",
     "checks[0].reason", "unknown reason id 'conv-strides-range' (did you mean 'conv-stride-range'?)"),
    ("{reason: conv-stride-range, check: range, attr: strides, min: one, max: 1, source: 'https://x.y'}",
     "checks[0].min", "'min' must be of type number"),
    ("{reason: conv-stride-range, check: range, attr: strides, min: 1, max: 1, source: 'not a url'}",
     "checks[0].source", "does not match"),
    ("{reason: conv-stride-range, check: range, attr: strides, min: 1, max: 1, source: 'https://x.y', message: 'stride {value'}",
     "checks[0].message", "message is not a valid template"),
])
def test_each_kind_of_mistake_names_file_entry_and_key(tmp_path, entry, key, words):
    path = tmp_path / "mine.yaml"
    path.write_text(f"extends: orin-trt10\nlayers:\n  Convolution:\n    source: 'https://x.y'\n    checks:\n      - {entry}\n")
    with pytest.raises(PlatformFileError) as e:
        load_platform(str(path))
    assert e.value.key == f"layers.Convolution.{key}" and words in e.value.message and str(path) in e.value.message


@pytest.mark.parametrize("text, key, words", [
    ("gpu_fallbak: false\n", "gpu_fallbak", "unknown key 'gpu_fallbak' (did you mean 'gpu_fallback'?)"),
    ("layers:\n  Convolutoin: {source: 'https://x.y'}\n", "layers.Convolutoin",
     "unknown layer kind 'Convolutoin' (did you mean 'Convolution'?)"),
    ("limits:\n  loadables_per_cor: {value: 8, source: 'https://x.y'}\n", "limits.loadables_per_cor",
     "unknown limit 'loadables_per_cor' (did you mean 'loadables_per_core'?)"),
    ("general_checks:\n  - {reason: dim-limit, check: max_dim, limit: max_batch_size, source: 'https://x.y'}\n",
     "general_checks[0].limit", "'max_batch_size' is not a limit of this platform"),
])
def test_top_level_keys_layer_kinds_and_limits_are_checked_too(tmp_path, text, key, words):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: orin-trt10\n" + text)
    with pytest.raises(PlatformFileError) as e:
        load_platform(str(path))
    assert e.value.key == key and words in e.value.message


def test_a_builtin_parent_with_a_mistake_is_named_not_the_child(tmp_path):
    d = tmp_path / "platforms"
    shutil.copytree(platforms_dir(), d)
    base = yaml.safe_load((d / "_dla_base.yaml").read_text())
    base["layers"]["Pooling"]["checks"][0]["check"] = "in_sett"
    (d / "_dla_base.yaml").write_text(yaml.safe_dump(base))
    with pytest.raises(PlatformFileError) as e:
        load_platform("orin-trt10", directory=d)
    assert "_dla_base.yaml" in e.value.message and e.value.key == "layers.Pooling.checks[0].check"


def test_vocabulary_matches_the_code_it_describes():
    from dla_advisor.graph import LAYER_KINDS as GRAPH_KINDS
    from dla_advisor.graph._opmap import SIMPLE_KINDS
    from dla_advisor.layout._checks import known_checkers

    assert set(CHECKS) == known_checkers()
    # Reformat layers are inserted by TensorRT between devices; no platform constraint can name one.
    assert set(SIMPLE_KINDS.values()) | set(GRAPH_KINDS) - {"Reformat"} <= LAYER_KINDS
    # Every attribute a platform file may name is one the graph importer writes (catches a rename there).
    graph_src = "".join(p.read_text() for p in (REPO / "dla_advisor" / "graph").glob("*.py"))
    unset = sorted(a for a in LAYER_ATTRIBUTES if f'"{a}"' not in graph_src and f"{a}=" not in graph_src)
    assert unset == []
    for p in list_platforms():
        for kind, entry in p.data["layers"].items():
            assert kind in LAYER_KINDS, (p.id, kind)


def test_broken_yaml_names_the_file_and_line(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: orin-trt10\nlayers:\n  Convolution: {source: x\n  Pooling: 1\n")
    rc, _, err = run_cli(capsys, "platforms", path)
    assert rc == 2 and "mine.yaml:4: invalid YAML" in err and "Traceback" not in err
