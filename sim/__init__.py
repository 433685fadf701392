"""sosim: an agent-based model of social outsourcing (Kudumbashree's IT social enterprises).

Notebook use::

    from sim import load_scenario, run
    res = run(load_scenario("scenarios/kerala_baseline.yaml"), seed=1)
    res.timeseries.plot(x="date", y="units_alive")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.outputs import RunResult
    from sim.scenario import Scenario, ScenarioError, load_scenario

# Re-exported names, imported on first use (PEP 562): ``import sim`` alone stays cheap, so a
# command's ``--help`` does not pay for pandas, pyarrow and pydantic.
_LAZY = {
    "RunResult": "sim.outputs",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its home module when it is first asked for."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # cached: later lookups do not come here
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


try:
    __version__ = version("sosim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"


def run(scenario: Scenario, seed: int | None = None) -> RunResult:
    """Simulate ``scenario`` with ``seed`` (default: the scenario's own) and return its tables."""
    from sim.model import SocialOutsourcingModel
    from sim.outputs import result

    model = SocialOutsourcingModel(scenario, seed=seed)
    model.run()
    return result(model)


__all__ = ["run", "load_scenario", "Scenario", "ScenarioError", "RunResult", "__version__"]
