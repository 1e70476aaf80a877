"""A device file from an earlier performance model is refused with what replaced its parameter and
how to refit, not loaded with a parameter that no longer means what it says."""

import re

from support import RULES, SEED_MODEL, run_cli

from dla_advisor.perf import load_device


def _old_device_file(tmp_path):
    text = (RULES / "devices" / "orin-agx-64gb.yaml").read_text()
    old = re.sub(r"gpu_kernel_kcycles: [\d.]+", "gpu_kernel_us: 7.7", text)
    assert old != text
    path = tmp_path / "my-orin.yaml"
    path.write_text(old)
    return path


def test_a_retired_parameter_names_its_successor_and_the_refit(tmp_path, capsys):
    path = _old_device_file(tmp_path)
    before = path.read_text()
    rc, out, err = run_cli(capsys, "estimate", SEED_MODEL, "--device", path)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "gpu_kernel_us is from an earlier performance model (now gpu_kernel_kcycles)" in err
    assert f"--device {path} --write-device {path}" in err
    assert path.read_text() == before  # the user's file is left as it was


def test_without_its_params_block_the_file_loads_and_can_be_refitted(tmp_path):
    path = _old_device_file(tmp_path)
    text = path.read_text()
    head, _, tail = text.partition("\nparams: {")
    path.write_text(head + "\n" + tail.split("}\n", 1)[1])
    dev = load_device(str(path))
    assert dev.params.gpu_kernel_kcycles > 0  # the defaults, until calibrate writes a fit
