"""Monotone levers (issue 7), statistically: moving one lever in the direction that should hurt
never raises survival by more than the noise of a finite number of seeds.

Survival is the run's Kaplan-Meier survival 10 years after founding (``survival_10y`` of the
run summary, of the lever's line where it names one), the mean over the same seeds at every
level (common random numbers: paired comparisons). It was the share of units founded that are
still open at the end of the run (2020-12) until the long run had threats that bite (issue 14):
with schools insourcing on IT@School's timeline and the records running out, most units founded
in 1999-2004 are gone by 2020 whatever the lever, so the share open at the end mixed a unit's
founding year with its life and hid the effect of a payment delay (0.357 open at no delay,
0.362 at 12 months) that lowers 10-year survival by about 0.15.

The withdrawal is moved only over years after the last unit is formed (2008). A withdrawal
before then also ends formation, so fewer units share the public orders and the local markets,
and those founded survive better (10-year survival 0.50 with a 2002 withdrawal against 0.28
with one in 2006, seeds 0-5): a competition effect, not a support that hurts, and not what a
monotone lever claims. From 2009 on the units are the same at every level.

====================================  ==========================  =======  =====================
lever (baseline otherwise)            levels                      seeds    outcome
====================================  ==========================  =======  =====================
public clients' mean payment delay    0, 4, 8, 12 months          0-7      all units
schools' insourcing rate (constant)   0, 0.06, 0.15, 0.3 a year   0-5      training units
records stock to digitise             0.5, 1, 2, 4 M (thousand)   0-5      data-entry units
mission withdraws (IT@School series)  2009, 2012, 2016, 2020      0-5      all units
====================================  ==========================  =======  =====================

Each step may not raise mean survival by more than ``RISE_TOL`` (0.015: the largest rise seen
between adjacent levels of a lever that should lower it was 0.006), and the whole range must
move it the expected way by at least ``MIN_EFFECT`` so the test is not vacuous. All runs
(~100, about a second each) share one pool of two forkserver processes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest

from sim import load_scenario, run
from sim.scenario import scenario_with
from tests.conftest import BASELINE

RISE_TOL = 0.015
"""Largest rise of mean survival allowed between adjacent levels of a lever that should lower it."""
MIN_EFFECT = 0.05
"""Survival must differ by at least this much between the lever's two extreme levels."""
WORKERS = 2

LEVERS: dict[str, dict[str, Any]] = {
    "payment_delay": {
        "outcome": "all",
        "seeds": range(8),
        "levels": [0, 4, 8, 12],
        "values": lambda x: {"payments.public_mean_delay_months": x},
        "direction": "down",  # longer delays never raise survival
    },
    "insourcing": {
        "outcome": "training",
        "seeds": range(6),
        "levels": [0.0, 0.06, 0.15, 0.3],
        # the constant rate throughout: no yearly series (IT@School's, issue 14), no events
        "values": lambda x: {"demand.schools.insourcing_annual_rate": x,
                             "demand.schools.insourcing_by_year": {}, "events": []},
        "direction": "down",  # faster insourcing never raises training units' survival
    },
    "records_stock": {
        "outcome": "data_entry",
        "seeds": range(6),
        "levels": [500_000, 1_000_000, 2_000_000, 4_000_000],
        "values": lambda x: {"demand.digitisation.initial_stock": x},
        "direction": "up",  # a larger stock never lowers data-entry units' survival
    },
    "withdrawal": {
        "outcome": "all",
        "seeds": range(6),
        "levels": [2009, 2012, 2016, 2020],  # after formation ends (see the docstring)
        "values": None,  # adds a mission_withdraws event in January of the year
        "direction": "up",  # a later withdrawal never lowers survival (an earlier never raises)
    },
}


def _survival(job: tuple[str, Any, int]) -> tuple[str, Any, int, float]:
    """One run: Kaplan-Meier survival 10 years after founding (of the lever's line)."""
    lever, level, seed = job
    spec = LEVERS[lever]
    base = load_scenario(BASELINE)
    if spec["values"] is None:
        events = [e.model_dump(mode="json") for e in base.events]
        values = {"events": [*events, {"date": f"{level}-01", "do": "mission_withdraws"}]}
    else:
        values = spec["values"](level)
    res = run(scenario_with(base, values), seed=seed)
    line = spec["outcome"]
    key = "survival_10y" if line == "all" else f"survival_10y_{line}"
    return lever, level, seed, float(res.summary[key])


@pytest.fixture(scope="module")
def survival() -> dict[str, dict[Any, float]]:
    """Mean survival by lever and level (all levers' runs in one pool)."""
    jobs = [(lever, level, seed) for lever, spec in LEVERS.items()
            for level in spec["levels"] for seed in spec["seeds"]]
    ctx = multiprocessing.get_context("forkserver")  # fork in a threaded pytest can deadlock
    with ProcessPoolExecutor(WORKERS, mp_context=ctx) as pool:
        results = list(pool.map(_survival, jobs))
    out: dict[str, dict[Any, list[float]]] = {lever: {} for lever in LEVERS}
    for lever, level, _seed, s in results:
        out[lever].setdefault(level, []).append(s)
    return {lever: {lv: float(np.mean(v)) for lv, v in by.items()} for lever, by in out.items()}


@pytest.mark.slow
@pytest.mark.parametrize("lever", list(LEVERS))
def test_lever_moves_survival_one_way_only(survival, lever):
    spec = LEVERS[lever]
    means = [survival[lever][lv] for lv in spec["levels"]]
    sign = -1 if spec["direction"] == "down" else 1
    steps = np.diff(means) * sign  # should be >= 0 up to noise
    shown = ", ".join(f"{lv}: {m:.3f}" for lv, m in zip(spec["levels"], means, strict=True))
    assert (steps >= -RISE_TOL).all(), f"{lever} moved survival the wrong way: {shown}"
    assert (means[-1] - means[0]) * sign >= MIN_EFFECT, f"{lever} has no effect: {shown}"
