"""The one registry pattern: explicit order, clear unknown-name errors, plug-ins registered on import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dla_advisor._registry import Registry, UnknownName, closest


def test_order_is_explicit_then_registration_order():
    reg: Registry[str] = Registry("rewrite")
    reg.add("late", "L", order=20)
    reg.add("first", "F", order=10)
    reg.add("unordered-a", "A")
    reg.add("unordered-b", "B")
    assert reg.names() == ["first", "late", "unordered-a", "unordered-b"]
    assert list(reg.values()) == ["F", "L", "A", "B"]


def test_unknown_name_lists_known_names_and_suggests_the_closest():
    reg: Registry[int] = Registry("detector")

    @reg.register("loadable-limit")
    def _f():
        return 1

    reg.add("io-reformat", 2)
    with pytest.raises(UnknownName) as e:
        reg["loadable-limti"]
    assert e.value.suggestion == "loadable-limit"
    assert str(e.value) == ("unknown detector 'loadable-limti' (did you mean 'loadable-limit'?); "
                            "known: loadable-limit, io-reformat")
    assert reg.get("nothing-like-it") is None and "io-reformat" in reg and "x" not in reg
    assert closest("zzzz", reg) is None


def test_registering_a_different_object_under_a_taken_name_is_an_error():
    reg: Registry[object] = Registry("backend")
    obj = object()
    reg.add("sim", obj)
    reg.add("sim", obj)  # a module imported twice registers the same object again: harmless
    with pytest.raises(ValueError, match="backend 'sim' registered twice"):
        reg.add("sim", object())
    reg.add("sim", "replacement", replace=True)
    assert reg["sim"] == "replacement" and len(reg) == 1


def test_detectors_are_registered_by_importing_the_package_alone():
    # The old circle left DETECTORS empty until get_detectors() imported the plug-ins.
    code = ("from dla_advisor.advice import DETECTORS\n"
            "print(len(DETECTORS), 'loadable-limit' in DETECTORS or sorted(DETECTORS))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 10 and out[1] == "True", out


def test_backends_keep_their_explicit_order_and_suggest_on_a_typo():
    from dla_advisor.errors import UsageError
    from dla_advisor.tuning import BACKENDS, make_backend

    assert list(BACKENDS)[:3] == ["sim", "trtexec", "tensorrt"]
    with pytest.raises(UsageError, match=r"unknown backend 'trtexc' \(did you mean 'trtexec'\?\)"):
        make_backend("trtexc", "orin-agx-64gb", "MAXN")
