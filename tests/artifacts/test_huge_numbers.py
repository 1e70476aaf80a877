"""Integers past 64 bits in TensorRT JSON (a 400-digit count, say): refused or skipped, never an OverflowError."""

from __future__ import annotations

import json

import pytest

from dla_advisor.artifacts import read
from dla_advisor.errors import ArtifactParseError


@pytest.mark.parametrize("key", ["count", "averageMs", "timeMs", "percentage"])
@pytest.mark.parametrize("value", [10**400, -(10**400), 10**19 + 1])
def test_huge_integers_in_a_profile_are_parse_errors(tmp_path, corpus, key, value):
    doc = json.loads((corpus / "exportprofile_xavier_trt7.1_googlenet_gpu_only.json").read_text())
    doc[0 if key == "count" else 1][key] = value
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    if abs(value) < 10**30:
        read([path])  # large but finite: still a number
        return
    _read_or_refuse(path, key)


def test_five_thousand_digits_are_a_parse_error(tmp_path, corpus):
    doc = json.loads((corpus / "exportprofile_xavier_trt7.1_googlenet_gpu_only.json").read_text())
    doc[0]["count"] = 12485
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc).replace('"count": 12485', '"count": ' + "9" * 5000, 1))
    _read_or_refuse(path, "count")


def _read_or_refuse(path, key):
    try:
        result = read([path])
    except ArtifactParseError as e:
        assert f"'{key}' is not a number" in e.one_line()
        return
    # Read with the record left out: no infinite or astronomically large time reaches the measurement.
    times = [t.avg_ms for t in (result.measurement.layer_times if result.measurement else ())]
    assert all(abs(t) < 1e300 for t in times)


def test_a_damaged_number_in_a_perf_summary_is_skipped(tmp_path, corpus):
    src = (corpus / "trtexec_orin_hrnet_dla_perf_summary_excerpt_issue2426.log").read_text(encoding="utf-8")
    damaged = src.replace("0.", "224-0.", 3)  # what a damaged or hand-edited line looks like
    assert damaged != src
    path = tmp_path / "perf.log"
    path.write_text(damaged, encoding="utf-8")
    try:
        read([path])
    except ArtifactParseError:
        pass  # refusing the file is fine; a ValueError is not
