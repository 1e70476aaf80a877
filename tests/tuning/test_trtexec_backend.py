"""The trtexec backend against the stand-in that replays real TensorRT 10.3 logs from an AGX Orin."""

from __future__ import annotations

import json

import pytest

from dla_advisor.artifacts import read, read_trtexec_output
from dla_advisor.errors import BackendFailed, BackendUnavailable
from dla_advisor.testing import BackendContract, contract_plan
from dla_advisor.tuning.backends.trtexec import TrtexecBackend, find_trtexec

from support import CORPUS, STANDIN

# Throughputs in the two corpus logs the stand-in replays.
GPU_QPS, DLA_QPS = 286.781, 36.9222


class TestTrtexecContract(BackendContract):
    expected_kind = "measured"

    @pytest.fixture(autouse=True)
    def _env(self, standin_env):
        pass

    def make_backend(self, tmp_path):
        return TrtexecBackend(trtexec=str(STANDIN), engines_dir=tmp_path / "engines", duration_s=1)


@pytest.fixture
def backend(standin_env, tmp_path):
    return TrtexecBackend(trtexec=str(STANDIN), engines_dir=tmp_path / "engines", duration_s=1)


def _calls(tmp_path):
    return [json.loads(l) for l in (tmp_path / "trtexec_calls.jsonl").read_text().splitlines()]


def test_each_process_reports_its_own_log_throughput(backend, seed_model):
    result = backend.measure(contract_plan(seed_model))
    assert [r.qps for r in result.engines] == [GPU_QPS, DLA_QPS, DLA_QPS]
    assert result.total_images_per_s == pytest.approx(GPU_QPS + 2 * DLA_QPS)
    assert result.engines[1].measurement.latency_ms["mean"] == 27.5577
    assert result.engines[0].measurement.provenance.label() == "measured (trtexec, orin-agx-64gb, MAXN)"
    assert "TensorRT 10.3.0" in result.engines[0].measurement.provenance.detail


def test_engines_are_built_once_and_cached(backend, seed_model, tmp_path):
    plan = contract_plan(seed_model)
    backend.measure(plan)
    backend.measure(plan)
    calls = _calls(tmp_path)
    builds = [c for c in calls if any(a.startswith("--onnx=") for a in c)]
    runs = [c for c in calls if any(a.startswith("--loadEngine=") for a in c)]
    assert len(builds) == 3 and backend.builds_run == 3  # GPU, DLA core 0, DLA core 1
    assert len(runs) == 6
    assert {a for c in runs for a in c if a.startswith("--useDLACore")} == {"--useDLACore=0", "--useDLACore=1"}
    assert all("--duration=1" in c for c in runs)
    assert sorted(p.suffix for p in (tmp_path / "engines").iterdir()) == [".engine"] * 3


def test_build_failure_names_the_engine(backend, seed_model, monkeypatch):
    monkeypatch.setenv("TRTEXEC_STANDIN_FAIL", "build:dla")
    with pytest.raises(BackendFailed) as e:
        backend.measure(contract_plan(seed_model))
    assert e.value.message == "conv2d_1024@dla0: engine build failed (exit code 1)"
    assert e.value.hint == "[E] Engine set up failed"


def test_crash_mid_run_is_backend_failed(backend, seed_model, monkeypatch):
    monkeypatch.setenv("TRTEXEC_STANDIN_FAIL", "crash:gpu")
    with pytest.raises(BackendFailed) as e:
        backend.measure(contract_plan(seed_model))
    assert e.value.message == "conv2d_1024@gpu#0: trtexec run failed (killed by SIGSEGV)"


def test_failed_run_reports_trtexec_error(backend, seed_model, monkeypatch):
    monkeypatch.setenv("TRTEXEC_STANDIN_FAIL", "run:dla")
    with pytest.raises(BackendFailed) as e:
        backend.measure(contract_plan(seed_model))
    assert e.value.message == "conv2d_1024@dla0: trtexec run failed (exit code 1)"
    assert "Failed to submit program to DLA engine" in e.value.hint


def test_missing_trtexec_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.delenv("DLA_ADVISOR_TRTEXEC", raising=False)
    with pytest.raises(BackendUnavailable) as e:
        find_trtexec(str(tmp_path / "trtexec"))
    assert "trtexec not found at" in e.value.message


@pytest.mark.parametrize("name, qps, mean, version", [
    ("trtexec_orin_trt10.3_yolo11n_gpu_fp16.log", 286.781, 3.97964, "10.3.0"),
    ("trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log", 36.9222, 27.5577, "10.3.0"),
    ("trtexec_orin_hrnet_dla_perf_summary_excerpt_issue2426.log", 0.406047, 2241.14, ""),
])
def test_parser_reads_corpus_summaries(name, qps, mean, version):
    run = read_trtexec_output((CORPUS / name).read_text())
    assert (run.throughput_qps, run.latency_ms["mean"], run.trt_version) == (qps, mean, version)
    # The backend and `inspect` read a summary with the same parser, so they agree on every statistic.
    assert run.latency_ms == read([CORPUS / name]).measurement.latency_ms


def test_backend_result_carries_every_percentile_the_log_prints(standin_env, seed_model, tmp_path, monkeypatch):
    """trtexec --percentile=99.9 adds ``percentile(99.9%)`` to the summary: the result keeps it as p99.9.

    No corpus log was run with --percentile, so the stand-in replays the two real logs with that one
    statistic appended to their Latency line (everything else byte for byte); a parser that only took
    whole-number percentiles dropped it.
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("trtexec_orin_trt10.3_yolo11n_gpu_fp16.log", "trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log"):
        lines = (CORPUS / name).read_text().splitlines(keepends=True)
        i = next(i for i, l in enumerate(lines) if "] Latency: min = " in l)
        lines[i] = lines[i].rstrip("\n") + ", percentile(99.9%) = 41.25 ms\n"
        (corpus / name).write_text("".join(lines))
    monkeypatch.setenv("TRTEXEC_STANDIN_CORPUS", str(corpus))
    backend = TrtexecBackend(trtexec=str(STANDIN), engines_dir=tmp_path / "engines", duration_s=1)
    result = backend.measure(contract_plan(seed_model))
    gpu, dla = result.engines[0].measurement.latency_ms, result.engines[1].measurement.latency_ms
    assert (gpu["p99"], gpu["p99.9"], dla["p99"], dla["p99.9"]) == (4.01193, 41.25, 27.7302, 41.25)
    assert set(dla) == {"min", "max", "mean", "median", "p90", "p95", "p99", "p99.9"}


def test_parser_without_summary():
    run = read_trtexec_output((CORPUS / "trtexec_orin_trt8.4_gpu_myelin_foreignnode_verbose_crash.log").read_text())
    assert run.throughput_qps is None and run.passed is None
