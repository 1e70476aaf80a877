"""Platform files: extends chains, validation with file and key, DLA-less targets."""

from __future__ import annotations

import shutil

import pytest
import yaml

from dla_advisor.errors import PlatformFileError
from dla_advisor.platforms import list_platforms, load_platform, platforms_dir

REQUIRED = {"xavier-trt8.5", "orin-trt8.5", "orin-trt8.6", "orin-trt10", "orin-trt11", "woa-trt11"}


def test_required_platforms_exist_and_default_is_orin_trt10():
    assert REQUIRED <= {p.id for p in list_platforms()}
    assert load_platform(None).id == "orin-trt10"


def test_extends_overrides_only_what_changed():
    xav, orin = load_platform("xavier-trt8.5"), load_platform("orin-trt8.5")
    assert xav.soc == "xavier" and orin.soc == "orin"
    assert xav.limit("hwc4_line_stride_bytes") == 32 and orin.limit("hwc4_line_stride_bytes") == 64
    assert xav.data["layers"]["Convolution"] == orin.data["layers"]["Convolution"]
    assert load_platform("orin-trt8.4").layer_entry("Slice") is None and orin.layer_entry("Slice") is not None
    assert load_platform("orin-trt11").strongly_typed and not load_platform("orin-trt10").strongly_typed
    assert not load_platform("woa-trt11").gpu_fallback_allowed and load_platform("woa-trt11").limit("max_batch") == 1


def test_every_constraint_cites_a_source_url():
    for p in list_platforms():
        for key, entry in p.data["limits"].items():
            assert entry["source"].startswith("https://"), (p.id, key)
        for kind, entry in p.data["layers"].items():
            assert entry["source"].startswith("https://"), (p.id, kind)
            for check in entry.get("checks", []):
                assert check["source"].startswith("https://"), (p.id, kind, check)


def test_trt11_0_to_11_3_and_boards_without_dla_are_clear_errors():
    for name in ("orin-trt11.0", "orin-trt11.3", "thor", "orin-nano"):
        with pytest.raises(PlatformFileError) as e:
            load_platform(name)
        assert "DLA" in e.value.message


def test_invalid_platform_file_names_file_and_key(tmp_path):
    d = tmp_path / "platforms"
    shutil.copytree(platforms_dir(), d)
    data = yaml.safe_load((d / "orin-trt10.yaml").read_text())
    data["limits"] = {"loadables_per_core": {"value": 16, "source": "not a url"}}
    (d / "broken.yaml").write_text(yaml.safe_dump({**data, "id": "broken"}))
    with pytest.raises(PlatformFileError) as e:
        load_platform("broken", directory=d)
    assert "broken.yaml" in e.value.message and e.value.key == "limits.loadables_per_core.source"
    (d / "loop-a.yaml").write_text("id: loop-a\nextends: loop-b\n")
    (d / "loop-b.yaml").write_text("id: loop-b\nextends: loop-a\n")
    with pytest.raises(PlatformFileError, match="cycle"):
        load_platform("loop-a", directory=d)
