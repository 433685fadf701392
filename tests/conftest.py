"""Shared fixtures: the baseline scenario, short worlds for fast tests, and a helper to build
models without running them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import load_scenario, run
from sim.model import SocialOutsourcingModel
from sim.scenario import Scenario, scenario_with

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "kerala_baseline.yaml"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def short(baseline: Scenario) -> Scenario:
    """The baseline cut to 1999-2004 (six years), for fast tests."""
    return scenario_with(baseline, {"end": "2004-12"})


@pytest.fixture(scope="session")
def baseline_run(baseline: Scenario):
    return run(baseline, seed=1)


def model_for(scenario: Scenario, seed: int = 1, **kw) -> SocialOutsourcingModel:
    """A fresh model (not yet stepped)."""
    return SocialOutsourcingModel(scenario, seed=seed, **kw)


def step_until(model: SocialOutsourcingModel, month: int) -> SocialOutsourcingModel:
    """Step ``model`` until its month index reaches ``month``."""
    while model.t < month and not model.finished:
        model.step()
    return model
