"""Small worlds for mechanism unit tests: a model with hand-placed units and no schedule."""

from __future__ import annotations

import numpy as np

from sim.mechanisms import formation
from sim.model import SocialOutsourcingModel
from sim.scenario import Scenario, scenario_with


def quiet_world(**values) -> Scenario:
    """A scenario with no scheduled formation and the given overrides; units are equally
    efficient (``productivity_sigma`` 0) so that capacities can be worked out by hand."""
    base = {"formation.schedule": {}, "end": "2010-12", "formation.productivity_sigma": 0.0}
    base.update(values)
    return scenario_with(Scenario(), base)


def world_with_units(lines: list[int], seed: int = 1, **values) -> SocialOutsourcingModel:
    """A model at month 0 holding freshly formed units of the given line codes."""
    m = SocialOutsourcingModel(quiet_world(**values), seed=seed)
    formation.found(m, np.asarray(lines, dtype=np.int64))
    return m
