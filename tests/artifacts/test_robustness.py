"""Nothing but ArtifactParseError escapes the readers: random text, random JSON, truncated corpus files."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dla_advisor.artifacts import read
from dla_advisor.errors import ArtifactParseError

from support import corpus_files

# No deadline and no too-slow health check: both measure wall time, which a loaded machine stretches
# (the health check failed these tests on a shared two-core box); what is tested is only what escapes.
_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(
                         ["Layers", "Bindings", "name", "count", "averageMs", "timeMs", "medianMs", "latencyMs",
                          "computeMs", "Name", "LayerType", "Inputs", "x"]), c, max_size=4), max_leaves=12)


def _read_or_parse_error(path) -> None:
    try:
        read([path])
    except ArtifactParseError as e:
        assert e.one_line()


@_SETTINGS
@given(text=st.text(max_size=400))
def test_random_text(tmp_path, text):
    p = tmp_path / "a.log"
    p.write_text(text, encoding="utf-8", errors="replace")
    _read_or_parse_error(p)


@_SETTINGS
@given(doc=_json)
def test_random_json(tmp_path, doc):
    p = tmp_path / "a.json"
    p.write_text(json.dumps(doc))
    _read_or_parse_error(p)


@_SETTINGS
@given(data=st.data())
def test_truncated_corpus_files(tmp_path, data):
    files = corpus_files()
    if not files:
        return
    src = data.draw(st.sampled_from(files))
    raw = src.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    p = tmp_path / ("t" + src.suffix)
    p.write_bytes(raw[:cut])
    _read_or_parse_error(p)


def test_every_corpus_file_truncated_at_fixed_points(tmp_path):
    for src in corpus_files():
        raw = src.read_bytes()
        for frac in (0.1, 0.5, 0.9):
            p = tmp_path / ("t" + src.suffix)
            p.write_bytes(raw[: int(len(raw) * frac)])
            _read_or_parse_error(p)


def _json_files() -> list:
    return [p for p in corpus_files() if p.suffix == ".json"]


def _one_per_kind(files) -> list:
    """One file per export kind and source (profile / layer info / times; GPU and board; TensorRT generation),
    plus every pasted, cut or names-only one: the files whose first records differ."""
    kinds = {}
    for p in files:
        odd = any(w in p.stem for w in ("excerpt", "pasted", "namesonly"))
        kinds.setdefault((tuple(p.stem.split("_")[:3]), p.stem if odd else ""), p)
    return list(kinds.values())


def _cut_near_the_start(tmp_path, files) -> None:
    # A paste usually stops early; each cut inside the first records must read or fail cleanly
    # (a cut once made a names-only fallback decode a string spanning lines).
    p = tmp_path / "t.json"
    for src in files:
        raw = src.read_bytes()[:1200]
        for cut in range(0, len(raw), 5):
            p.write_bytes(raw[:cut])
            _read_or_parse_error(p)


def test_json_artifacts_cut_anywhere_near_their_start(tmp_path):
    files = _one_per_kind(_json_files())
    assert 8 <= len(files) < len(_json_files())
    _cut_near_the_start(tmp_path, files)


@pytest.mark.slow  # every JSON file of the corpus: ~10 000 reads
def test_every_json_artifact_cut_anywhere_near_its_start(tmp_path):
    _cut_near_the_start(tmp_path, _json_files())
