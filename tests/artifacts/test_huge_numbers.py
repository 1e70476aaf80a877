"""Integers past 64 bits in TensorRT JSON (a 400-digit count, say) are parse errors, not OverflowErrors."""

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
    with pytest.raises(ArtifactParseError, match=f"'{key}' is not a number"):
        read([path])


def test_five_thousand_digits_are_a_parse_error(tmp_path, corpus):
    doc = json.loads((corpus / "exportprofile_xavier_trt7.1_googlenet_gpu_only.json").read_text())
    doc[0]["count"] = 12485
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc).replace('"count": 12485', '"count": ' + "9" * 5000, 1))
    with pytest.raises(ArtifactParseError):
        read([path])
