"""Infrastructure: power cuts and patchy connectivity cost working hours, so a unit's capacity
(people and PCs alike) is multiplied by its uptime; a solar back-up restores a share of the
hours lost to power cuts, at a monthly cost per PC.

uptime = (1 - power_cut_share x (1 - solar_backup_share)) x connectivity_uptime

Source: domain brief, "Other systems" - rural knowledge-process outsourcing in India faces
patchy connectivity and power supply; outages cut capacity; solar as a remedy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import assets

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def uptime(model: SocialOutsourcingModel) -> float:
    """Share of working hours with both power and a network link (1.0 when nothing is lost)."""
    inf = model.config.infrastructure
    return (1 - inf.power_cut_share * (1 - inf.solar_backup_share)) * inf.connectivity_uptime


def charge(model: SocialOutsourcingModel) -> None:
    """The solar back-up's monthly cost per working PC falls due at this month's settlement."""
    inf = model.config.infrastructure
    if inf.solar_backup_share <= 0 or inf.solar_cost_usd_per_pc_month <= 0:
        return
    E = model.E
    cost = assets.working_pcs(model) * inf.solar_cost_usd_per_pc_month
    E.overhead_due = np.where(E.alive, E.overhead_due + cost, E.overhead_due)
