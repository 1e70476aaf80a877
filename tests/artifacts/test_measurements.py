"""Performance summaries, profiles (both table layouts, JSON with/without medianMs), times JSON, attribution."""

from __future__ import annotations

import json

import pytest

from dla_advisor.artifacts import (MeasurementFromDumpProfile, MeasurementFromProfileJson, MeasurementFromTimesJson,
                                   read)

from support import corpus_file


def test_new_performance_summary():
    m = read([corpus_file("trtexec_orin_hrnet_dla_perf_summary_excerpt_issue2426.log")]).measurement
    assert m.latency_ms == {"min": 2240.97, "max": 2241.41, "mean": 2241.14, "median": 2241.13,
                            "p90": 2241.2, "p95": 2241.41, "p99": 2241.41}
    assert m.gpu_compute_ms["median"] == 2239.15
    assert m.provenance.label() == "measured (trtexec)"


def test_device_is_named_in_provenance():
    m = read([corpus_file("trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log")]).measurement
    assert m.provenance.label() == "measured (trtexec, Orin)"
    assert m.latency_ms["p99"] == 27.7302


def test_dla_only_log_without_placement_section_says_so():
    layout = read([corpus_file("trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log")]).layout
    assert layout.platform == "Orin, TensorRT 10.3.0"
    assert any("every layer runs on DLA" in n for n in layout.notes)


def test_old_gpu_compute_block():
    m = MeasurementFromDumpProfile(str(corpus_file("trtexec_xavier_trt7.1_googlenet_dla_dumpprofile_excerpt.log")))()
    assert m.gpu_compute_ms == {"min": 3.60278, "max": 4.14014, "mean": 3.68068, "median": 3.66748, "p99": 3.87695}
    assert [r.name for r in m.layer_times][0] == "data to nvm"
    assert len(m.layer_times) == 6


def test_old_table_with_median_column():
    m = MeasurementFromDumpProfile(str(corpus_file("trtexec_orin_trt8.5_googlenet_dla_dumpprofile_excerpt.log")))()
    fn = m.layer_times[1]
    # The excerpt alone does not say whether the ForeignNode ran on DLA or is a GPU Myelin node.
    assert (fn.name, fn.avg_ms, fn.median_ms, fn.percent, fn.device) == (
        "{ForeignNode[conv1/7x7_s2...loss3/classifier]}", 1.0320, 1.0321, 93.1, "")
    assert m.dla_time_share is None
    # TensorRT 8.5 profiles charge DLA time to the DLA row already: nothing to correct.
    assert all(r.corrected_ms is None for r in m.layer_times)


def test_new_table_layout_name_last():
    m = MeasurementFromDumpProfile(str(corpus_file("trtexec_gpu_trt10_resnet50_dumpprofile_newcolumns_excerpt.log")))()
    assert [(r.avg_ms, r.median_ms, r.percent) for r in m.layer_times[:2]] == [(0.0077, 0.0075, 0.5), (0.0228, 0.0225, 1.6)]
    assert m.layer_times[2].name == "node_of_gpu_0/pool1_1"


def test_profile_json_without_median():
    m = MeasurementFromProfileJson(str(corpus_file("exportprofile_xavier_trt7.1_googlenet_dla_extra_output.json")))()
    assert [r.median_ms for r in m.layer_times] == [None] * 8
    assert m.layer_times[0].avg_ms == 0.0367959


def test_dla_time_charged_to_next_gpu_row_is_corrected():
    m = read([corpus_file("trtexec_orin_yolo_dla_dumpprofile_nvm_excerpt_issue3143.log")]).measurement
    rows = {r.name: r for r in m.layer_times}
    # The median of the other reformat rows (images to nvm 0.0852, head_2 0.0072, head_1 0.0107 ms) stays.
    assert rows["head_3 from nvm"].corrected_ms == pytest.approx(0.0107)
    assert rows["{ForeignNode[Conv_0...Concat_198]}"].corrected_ms == pytest.approx(0.0085 + 7.6931 - 0.0107)
    assert m.dla_time_share == pytest.approx((0.0085 + 7.6931 - 0.0107) / sum(r.avg_ms for r in m.layer_times))
    assert any("Per-layer time corrected" in n and "head_3 from nvm" in n for n in m.notes)


def test_trt7_split_engine_output_reformatter_holds_dla_time():
    m = read([corpus_file("exportprofile_xavier_trt7.1_googlenet_gpu_then_dla_split.json")]).measurement
    charged = [r for r in m.layer_times if r.corrected_ms is not None]
    assert [r.name.rsplit("}", 1)[1] for r in charged] == ["", " output reformatter 0"]
    assert 0.6 < m.dla_time_share < 0.7


def test_no_correction_when_the_version_is_newer_than_8_4(tmp_path):
    text = corpus_file("trtexec_orin_yolo_dla_dumpprofile_nvm_excerpt_issue3143.log").read_text()
    p = tmp_path / "log.txt"
    p.write_text("[07/06/2023-17:19:08] [I] TensorRT version: 8.6.1\n" + text)
    m = read([p]).measurement
    assert all(r.corrected_ms is None for r in m.layer_times)


def test_times_json(tmp_path):
    recs = [{"startComputeMs": 10.0 * i, "endComputeMs": 10.0 * i + 2.0, "computeMs": 2.0,
             "latencyMs": float(i + 1), "startInMs": 10.0 * i, "endOutMs": 10.0 * i + 3.0} for i in range(10)]
    p = tmp_path / "times.json"
    p.write_text(json.dumps(recs))
    m = MeasurementFromTimesJson(str(p))()
    assert m.latency_ms["median"] == 5.5 and m.latency_ms["p90"] == 9.0 and m.latency_ms["max"] == 10.0
    assert m.gpu_compute_ms["mean"] == 2.0
    assert m.throughput_qps == pytest.approx(10 / 0.093)
    assert read([p]).artifacts[0][1] == "times-json"


def test_old_host_latency_block_with_throughput(tmp_path):
    p = tmp_path / "old.log"
    p.write_text("[I] Host Latency\n[I] min: 3.9 ms (end to end 4.1 ms)\n[I] max: 5 ms (end to end 6 ms)\n"
                 "[I] percentile: 4.5 ms at 99% (end to end 4.9 ms)\n[I] throughput: 250.5 qps\n[I] walltime: 3 s\n")
    m = read([p]).measurement
    assert m.throughput_qps == 250.5
    assert m.latency_ms == {"min": 3.9, "max": 5.0, "p99": 4.5}
