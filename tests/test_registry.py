"""The one registry pattern: explicit order, clear unknown-name errors, plug-ins registered on import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dla_advisor._registry import Registry, UnknownName, closest
from support import run_cli


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


def test_every_plug_in_kind_is_complete_after_importing_its_package_alone():
    code = ("from dla_advisor.artifacts import READERS\n"
            "from dla_advisor.rewrite import REWRITES\n"
            "from dla_advisor.report import CHECK_FORMATS, FORMATS\n"
            "from dla_advisor.cli import COMMANDS\n"
            "for reg in (READERS, REWRITES, CHECK_FORMATS, COMMANDS):\n"
            "    print(','.join(reg))\n"
            "print(';'.join(c + '=' + '|'.join(FORMATS[c]) for c in FORMATS))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    readers, rewrites, formats, commands = (line.split(",") for line in out[:4])
    assert readers == ["trtexec-log", "layer-info-json", "profile-json", "times-json", "dump-profile", "engine"]
    # qdq-to-calib first: the other rewrites match float patterns its Q/DQ nodes would hide.
    assert rewrites[0] == "qdq-to-calib" and len(rewrites) >= 11
    assert formats == ["text", "json", "sarif", "junit", "github", "markdown", "html"]
    assert commands[:2] == ["advise", "platforms"] and "calibrate" in commands
    by_command = dict(item.split("=") for item in out[4].split(";"))
    # Every command's --format choices come from its registry, the default (text) first.
    assert set(commands) <= set(by_command) and all(f.split("|")[0] == "text" for f in by_command.values())
    assert by_command["advise"] == "text|json|html" and by_command["fix"] == "text|json"
    assert by_command["tune"] == "text|json|html|yaml" and by_command["rewrites"] == "text|json"


def test_rewrite_order_comes_from_the_entries_not_from_import_lines():
    from dla_advisor.rewrite import Rewrite, all_rewrites, register, unregister

    before = [r.name for r in all_rewrites()]
    register(Rewrite("toy-late", "", "", "", lambda g, c: 0))
    register(Rewrite("toy-between", "", "", "", lambda g, c: 0), order=15)
    try:
        names = [r.name for r in all_rewrites()]
        assert names[-1] == "toy-late"
        assert names[names.index("toy-between") - 1] == "upsample-to-resize"  # order 10
        assert [n for n in names if not n.startswith("toy-")] == before
    finally:
        unregister("toy-late")
        unregister("toy-between")


def test_unknown_artifact_kind_suggests_the_closest():
    from dla_advisor.artifacts import READERS

    with pytest.raises(UnknownName, match=r"unknown artifact kind 'trtexec-lg' \(did you mean 'trtexec-log'\?\)"):
        READERS["trtexec-lg"]


@pytest.mark.parametrize("args, message", [
    (["advse", "m.onnx"], "No such command 'advse' (did you mean 'advise'?)"),
    (["check", "m.onnx", "--format", "sarf"], "'sarf' is not one of 'text', 'json', 'sarif', 'junit', 'github', "
                                              "'markdown', 'html' (did you mean 'sarif'?)"),
    (["tune", "m.onnx", "--backend", "trtexc"], "(did you mean 'trtexec'?)"),
    (["fix", "--list", "--rewrites", "gap-to-avgpol"], "unknown rewrite(s): gap-to-avgpol (did you mean 'gap-to-avgpool'?)"),
])
def test_an_unknown_name_on_the_command_line_exits_2_with_the_closest(args, message, capsys):
    rc, _, err = run_cli(capsys, *args)
    assert rc == 2 and message in err and "Traceback" not in err
