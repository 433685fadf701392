"""Own marketing: a unit that finds itself under-used starts marketing itself beside the
mission, which opens private work (and, without the mission, open tenders) to it.

Source: Heeks & Arun (2010) - 60 % of units did their own marketing besides the mission's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def adopt(model: SocialOutsourcingModel) -> np.ndarray:
    """Under-used units take up marketing with a monthly probability; return the adopters."""
    E = model.E
    mk = model.config.marketing
    cand = np.flatnonzero(
        E.alive & ~E.markets_self & (E.founded < model.t) & (E.utilisation < mk.idle_utilisation)
    )
    take = cand[model.rng_for("marketing").random(len(cand)) < mk.adopt_prob_when_idle]
    E.markets_self[take] = True
    return take
