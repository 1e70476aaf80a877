"""TensorRT calibration caches: the text format trtexec reads, and the errors for files that are not one."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from dla_advisor.errors import ArtifactParseError
from dla_advisor.layout import format_calibration_cache, read_calibration_cache, scale_hex, trt_version_number
from support import run_cli

# Lines of NVIDIA's own cache (cuDLA-samples data/model/qat2ptq.cache): header and two tensors.
NVIDIA_LINES = "TRT-8600-EntropyCalibration2\nimages: 3c00f9f4\n/model.0/act/Mul_output_0: 3e6c9314\n"


def test_reads_nvidias_cache_lines(tmp_path):
    p = tmp_path / "nv.cache"
    p.write_text(NVIDIA_LINES)
    cache = read_calibration_cache(p)
    assert cache.version == 8600 and cache.algorithm == "EntropyCalibration2"
    assert list(cache.scales) == ["images", "/model.0/act/Mul_output_0"]
    # 0x3c00f9f4 is the float32 0.0078727...: an input normalised to [-1, 1] has scale about 1/127.
    assert cache.scales["images"] == struct.unpack(">f", bytes.fromhex("3c00f9f4"))[0]
    assert abs(cache.scales["images"] * 127 - 1.0) < 0.001


def test_hex_is_the_big_endian_float32_pattern():
    assert scale_hex(1 / 127) == "3c010204"
    assert scale_hex(1.0) == "3f800000"
    assert scale_hex(np.float32(0.0078727)) == struct.pack(">f", np.float32(0.0078727)).hex()


@pytest.mark.parametrize("version, number", [("8.5.2", 8502), ("8.6", 8600), ("10.3.0", 100300), ("10.7", 100700)])
def test_header_number_is_what_the_trtexec_banner_prints(version, number):
    assert trt_version_number(version) == number
    assert format_calibration_cache({"x": 0.5}, version).splitlines()[0] == f"TRT-{number}-EntropyCalibration2"


def test_round_trip_keeps_names_with_colons_and_every_bit(tmp_path):
    scales = {"input": 0.0123, "ns::tensor:0": 3.5e-5, "/a/b/Conv_output_0": 0.25}
    p = tmp_path / "c.cache"
    p.write_text(format_calibration_cache(scales, "10.3"))
    back = read_calibration_cache(p)
    assert {k: np.float32(v) for k, v in back.scales.items()} == {k: np.float32(v) for k, v in scales.items()}


@pytest.mark.parametrize("content, words", [
    (b"", "holds no tensor scales"),
    (b"TRT-8502-EntropyCalibration2\n", "holds no tensor scales"),
    (b"\xff\xfe\x00binary", "binary data"),
    (b"TRT-8502-EntropyCalibration2\ninput 3c010204\n", ":2: not a calibration cache line"),
    (b"TRT-8502-EntropyCalibration2\ninput: xyz\n", ":2: not a calibration cache line"),
    (b"input: 7fc00000\n", "not a positive number"),   # NaN
    (b"input: bf800000\n", "not a positive number"),   # -1.0
])
def test_bad_files_raise_a_parse_error_naming_the_line(tmp_path, content, words):
    p = tmp_path / "bad.cache"
    p.write_bytes(content)
    with pytest.raises(ArtifactParseError) as e:
        read_calibration_cache(p)
    assert words in str(e.value)


@pytest.mark.parametrize("command", ["advise", "check"])
def test_cli_bad_cache_is_one_line_and_exit_2(command, seed_model, tmp_path, capsys):
    bad = tmp_path / "bad.cache"
    bad.write_bytes(b"\x00\x01\x02 not a cache")
    rc, _, err = run_cli(capsys, command, seed_model, "--precision", "int8", "--calib", bad)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "bad.cache" in lines[0] and "Traceback" not in lines[0]
    rc, _, err = run_cli(capsys, command, seed_model, "--calib", tmp_path / "missing.cache")
    assert rc == 2
    assert "calibration cache not found" in err


def test_check_flags_dla_tensors_the_cache_lacks(seed_model, tmp_path, capsys):
    cache = tmp_path / "in.cache"
    cache.write_text(format_calibration_cache({"input": 1 / 127}, "8.6"))
    rc, out, _ = run_cli(capsys, "check", seed_model, "--precision", "int8", "--calib", cache, "--select", "DLA405")
    assert rc == 1
    assert "DLA405" in out and "gives 1 tensor(s) a scale, but 1 tensor(s)" in out and "(output)" in out
