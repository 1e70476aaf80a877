"""A bounded fuzz campaign (benchmarks/fuzz.py): mutated models, artifacts, option values, storage URLs.

The fast part (20 cases) runs in the inner loop; the slow ones, which CI runs, take 300
cases of the same seed and 1000 of another. ``python benchmarks/fuzz.py --runs 20000`` is the long one,
on demand.
The contract: exit 0, 1 or 2; one stderr line for 2; no hang; no file written but the outputs, never
over a special file, with normal permissions; no secret printed.
"""

from __future__ import annotations

import pytest

from support import load_script


def _fuzz():
    return load_script("benchmarks/fuzz.py", "dla_fuzz")


def _campaign(runs: int, seed: int, kinds=None):
    fuzz = _fuzz()
    summary = fuzz.run_campaign(runs, seed=seed, kinds=kinds or fuzz.KINDS, hang_s=30.0)
    assert summary.runs == runs
    assert summary.clean(), "\n" + summary.text()
    return summary


def test_short_fuzz_campaign_keeps_the_contract():
    s = _campaign(20, seed=20260)
    assert set(s.by_kind) >= {"model", "artifact", "cli"}


@pytest.mark.slow
def test_fuzz_campaign_keeps_the_contract():
    s = _campaign(300, seed=20260)
    assert set(s.by_kind) >= {"model", "artifact", "cli"}


@pytest.mark.slow
def test_longer_fuzz_campaign_keeps_the_contract():
    _campaign(1000, seed=20261)
