import hashlib
from dataclasses import replace

import pytest

from dla_advisor import rewrite as rw
from dla_advisor.platforms import load_platform


@pytest.fixture(scope="session")
def limits():
    return rw.limits_from_platform(load_platform(None))


@pytest.fixture
def run_one(limits):
    """Apply one named rewrite to a model and verify it with onnxruntime."""

    def _run(model, name, lim=None, **kw):
        result = rw.apply_rewrites(model, rw.select(name), lim or limits)
        check = rw.verify(model, result.model, **kw)
        return result, check

    return _run


@pytest.fixture
def tight(limits):
    return lambda **changes: replace(limits, **changes)


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def ops(model) -> list[str]:
    return [n.op_type for n in model.graph.node]


def attrs(model, op: str) -> list[dict]:
    from onnx import helper
    return [{a.name: helper.get_attribute_value(a) for a in n.attribute} for n in model.graph.node if n.op_type == op]
