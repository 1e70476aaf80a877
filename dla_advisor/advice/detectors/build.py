"""Build options that do not fit DLA: CUDA graphs, deprecated flags, targets without DLA."""

from __future__ import annotations

from .._registry import detector
from .._types import Hit
from ._util import build_flags, reason_ids, uses_dla


@detector("build-flag", params={
    "required": ["flag"],
    "properties": {"flag": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*$"}, "with_dla": {"type": "boolean"}},
})
def build_flag(layout, network, platform, config, params):
    """A trtexec flag is set (optionally: together with a DLA build)."""
    flags = build_flags(layout, config)
    flag = params["flag"]
    if flag not in flags:
        return []
    if params.get("with_dla", True) and not uses_dla(layout, config):
        return []
    return [Hit(values={"flag": f"--{flag}", "flag_value": flags[flag]})]


@detector("no-dla")
def no_dla(layout, network, platform, config, params):
    """The target has no DLA, so every layer meant for DLA ran (or will run) on the GPU."""
    moved = tuple(p.name for p in layout.placements if "no-dla" in reason_ids(p))
    no_cores = platform is not None and int(getattr(platform, "cores", 1) or 0) == 0
    if not moved and not no_cores:
        return []
    first = next((r.message for p in layout.placements for r in p.reasons if r.id == "no-dla" and r.message), "")
    return [Hit(layers=moved, values={"detail": first or "the platform reports no DLA cores"})]
