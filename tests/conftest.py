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


BROWSER_HINT = ("the browser tests and PNG/SVG export need Debian's chromium at /usr/bin/chromium "
                "(apt-get install -y chromium) and Playwright (the dev extra)")


def browser_skip_lines(skipped: list) -> list[str]:
    """One line per skipped browser test file (``tests/test_*_browser.py``) with its reason,
    then what to install; [] when none was skipped. ``skipped``: pytest's skip reports."""
    reasons: dict[str, str] = {}
    for rep in skipped:
        where = rep.nodeid.split("::")[0]
        if not where.endswith("_browser.py"):
            continue
        text = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        reasons.setdefault(where, str(text).removeprefix("Skipped: "))
    if not reasons:
        return []
    return [f"{where}: SKIPPED ({why})" for where, why in sorted(reasons.items())] + [
        f"to run them: {BROWSER_HINT}"]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    """Say plainly at the end of ``make test`` when browser tests were skipped, and why."""
    lines = browser_skip_lines(terminalreporter.stats.get("skipped", []))
    if lines:
        terminalreporter.write_sep("!", "browser tests skipped", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True)
