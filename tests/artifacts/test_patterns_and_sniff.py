"""The message table (rules/log_patterns.yaml), the logger prefixes, and the content sniffer."""

from __future__ import annotations

import pytest
import yaml

from dla_advisor.artifacts import load_patterns, sniff
from dla_advisor.artifacts._prefix import split_prefix
from dla_advisor.errors import ArtifactParseError

from support import CORPUS, RULES, corpus_file


def test_every_pattern_cites_a_url_and_mentions_dla():
    pats = load_patterns()
    assert len(pats) == 25
    for p in pats:
        assert p.source.startswith("https://")
    # The log reader only consults the table for messages containing "DLA".
    raw = yaml.safe_load((RULES / "log_patterns.yaml").read_text())["patterns"]
    assert all("DLA" in e["example"] for e in raw)


def test_corpus_examples_are_verbatim():
    if not CORPUS.exists():
        pytest.skip("corpus not available")
    corpus_text = "\n".join(p.read_text(errors="replace") for p in CORPUS.glob("*.log"))
    raw = yaml.safe_load((RULES / "log_patterns.yaml").read_text())["patterns"]
    verbatim = [e["id"] for e in raw if e["example"] in corpus_text]
    assert verbatim == ["default-dla-not-running", "default-dla-not-supported", "subgraph-limit", "batch-limit",
                        "no-layer-can-run", "concat-two-inputs", "activation-type", "concat-c-dimension",
                        "slice-4d", "reshape-next-to-slice-concat", "foreign-node-offloaded", "unsupported-switching",
                        "validation-failed", "splitting-subgraph"]


@pytest.mark.parametrize("line,level,msg", [
    ("[07/06/2023-17:19:08] [I] [TRT] [DlaLayer] {ForeignNode[Conv_0]}", "I", "[DlaLayer] {ForeignNode[Conv_0]}"),
    ("[12/04/2024-11:57:45] [TRT] [W] Layer 'x' (SHUFFLE): Unsupported", "W", "Layer 'x' (SHUFFLE): Unsupported"),
    (" [W] [TRT] Default DLA is enabled", "W", "Default DLA is enabled"),
    ("WARNING: [TRT]: DLA supports only 8 subgraphs", "W", "DLA supports only 8 subgraphs"),
    ("ERROR: [TRT]: leaky_1: ActivationLayer", "E", "leaky_1: ActivationLayer"),
    ("WARNING: layer84-route: Concatenation", "W", "layer84-route: Concatenation"),
    ("Layer(DLA): {ForeignNode[Conv_1]}, Tactic: 3", "", "Layer(DLA): {ForeignNode[Conv_1]}, Tactic: 3"),
])
def test_prefixes(line, level, msg):
    assert split_prefix(line) == (level, msg)


@pytest.mark.parametrize("name,kind", [
    ("layerinfo_gpu_detr_r50_int8_namesonly.json", "layer-info-json"),
    ("exportprofile_gpu_a100_resnet50_qat.json", "profile-json"),
    ("python_api_orin_trt_yolo11_dla_validation_split_excerpt.log", "trtexec-log"),
    ("app_xavier_trt5or6_yolov3_caffe_dla_fallback_warnings_excerpt.log", "trtexec-log"),
])
def test_sniff_corpus(name, kind):
    assert sniff(str(corpus_file(name))) == kind


def test_sniff_uses_content_not_extension(tmp_path):
    p = tmp_path / "profile.txt"
    p.write_text('[{"count": 3}, {"name": "a", "timeMs": 3, "averageMs": 1, "percentage": 100}]')
    assert sniff(str(p)) == "profile-json"
    q = tmp_path / "table.json"
    q.write_text("   Time(ms)     Avg.(ms)   Median(ms)   Time(%)   Layer\n 1.0 0.5 0.5 100.0 conv\n")
    assert sniff(str(q)) == "dump-profile"


@pytest.mark.parametrize("content", ["", "{}", "[]", '{"a": 1}', "[1, 2]", "hello world\n"])
def test_sniff_rejects(tmp_path, content):
    p = tmp_path / "x.json"
    p.write_text(content)
    with pytest.raises(ArtifactParseError) as e:
        sniff(str(p))
    assert "--exportLayerInfo JSON" in e.value.one_line()
