"""Issue 8 - presets beyond Kerala: each validates, runs on a short horizon, and Digital Divide
Data's preset reproduces its growth from a dozen staff (2001) to ~500 (2009) and ~US$2 M of
earned revenue a year."""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_scenario, run
from sim.scenario import month_index, scenario_with
from tests.conftest import SCENARIOS

PRESETS = sorted((SCENARIOS / "presets").glob("*.yaml"))


def test_the_four_presets_are_shipped():
    assert {p.stem for p in PRESETS} >= {
        "source_for_change", "digital_divide_data", "orphanit", "rural_kpo"}


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_each_preset_validates_and_runs(path):
    s = load_scenario(path)
    y = int(s.start[:4])
    short = scenario_with(s, {"end": f"{y + 3}-12"})
    res = run(short, seed=1)
    ts = res.timeseries
    assert len(ts) == short.months
    assert len(res.enterprises) >= 1
    head = ts["core_members"] + ts["employees"] + ts["casual_workers"]
    assert head.max() > 0
    assert ts["revenue_private"].sum() > 0  # these systems live on private clients
    assert ts["public_orders"].iloc[-1] == 0


def test_digital_divide_data_grows_from_a_dozen_to_about_500_staff_by_2009():
    """Tolerance: among 6 seeds, the median headcount (members + employees + casual workers) in
    December 2009 of the runs where the venture took off lies within 500 +- 50 % and their median
    earned revenue in 2009 within US$1-3 M; at least 5 of the 6 seeds take off (29 of 30 seeds
    0-29 did when measured)."""
    s = load_scenario(SCENARIOS / "presets" / "digital_divide_data.yaml")
    s = scenario_with(s, {"end": "2009-12"})
    heads, revenues = [], []
    for seed in range(1, 7):
        ts = run(s, seed=seed).timeseries
        head = ts["core_members"] + ts["employees"] + ts["casual_workers"]
        assert head.iloc[month_index("2001-12", s.start)] <= 30  # about a dozen at the start
        if ts["units_alive"].iloc[-1] and head.iloc[-1] > 100:
            heads.append(int(head.iloc[-1]))
            revenues.append(float(ts.loc[ts["date"].dt.year == 2009, "revenue"].sum()))
    assert len(heads) >= 5, heads
    assert 250 <= np.median(heads) <= 750, heads
    assert 1.0e6 <= np.median(revenues) <= 3.0e6, revenues
