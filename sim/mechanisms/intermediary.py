"""The intermediary, generalised: a government mission (Kudumbashree), a parent social
enterprise (Digital Divide Data's headquarters, which sells clients' work to its operations
and whose donors pay for the social mission) or nobody (a venture that founds and markets
itself). What the intermediary does is set by ``intermediary.*`` parameters, not by special
cases: whether units may form without it, whether it brokers private clients' work
(``sim.mechanisms.clients``), and the donor money and social-mission costs it passes on.

Sources: Heeks & Arun (2010) - the mission; HBS case 09-095 / Stanford GSB 2012 - Digital
Divide Data; domain brief, "Other systems of the same kind".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import ledger

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel
    from sim.scenario import Scenario


SUPPORTS: tuple[str, ...] = (
    "forms_units",
    "assigns_schools",
    "brokers_public",
    "nominates_members",
    "trains_members",
    "backs_loans",
)
"""The mission's supports, each a lever ``mission.<name>`` (issue 14, item 6)."""


def supports(model: SocialOutsourcingModel, name: str) -> bool:
    """Whether the mission's support ``name`` (one of SUPPORTS) acts this month: the mission
    is active (no ``mission_withdraws`` in force) AND its lever ``mission.<name>`` is on. The
    one test every mechanism asks, so that an analyst can switch each support off alone."""
    if name not in SUPPORTS:
        raise ValueError(f"unknown mission support {name!r}; one of {', '.join(SUPPORTS)}")
    return bool(model.world.mission_active and getattr(model.config.mission, name))


def active_at_start(scenario: Scenario) -> bool:
    """Whether an intermediary is active in the first month (never, if there is none)."""
    return scenario.mission.active_at_start and scenario.intermediary.kind != "none"


def may_form(model: SocialOutsourcingModel) -> bool:
    """Scheduled units form while the intermediary forms units (``supports``) - or on their own
    if there is none."""
    return supports(model, "forms_units") or model.config.intermediary.kind == "none"


def on_founded(model: SocialOutsourcingModel, idx: np.ndarray) -> None:
    """Without an intermediary a new venture markets itself from its first month."""
    if len(idx) and model.config.intermediary.kind == "none":
        model.E.markets_self[idx] = True


def workers(model: SocialOutsourcingModel) -> np.ndarray:
    """Members and employees per enterprise (casual workers are not counted). Members are
    counted here, not through ``production.member_strength``, so that this module - which
    ``assets``, ``workforce`` and ``staffing`` ask for ``supports`` - imports no mechanism that
    imports them back."""
    M = model.M
    members = np.bincount(M.enterprise[M.left < 0], minlength=model.E.n)
    return members + model.E.employees


def fund(model: SocialOutsourcingModel) -> None:
    """Donors pay each unit per worker while the intermediary is active; the social mission's
    costs per worker fall due at this month's settlement."""
    im = model.config.intermediary
    if im.donor_usd_per_worker_month <= 0 and im.social_cost_usd_per_worker_month <= 0:
        return
    E = model.E
    idx = np.flatnonzero(E.alive)
    if len(idx) == 0:
        return
    w = workers(model)[idx].astype(float)
    if model.world.mission_active and im.donor_usd_per_worker_month > 0:
        grant = w * im.donor_usd_per_worker_month
        ledger.credit(model, idx, grant)
        model.world.counters["donor_usd"] += float(grant.sum())
    if im.social_cost_usd_per_worker_month > 0:
        cost = w * im.social_cost_usd_per_worker_month
        E.overhead_due[idx] += cost
        model.world.counters["social_cost_usd"] += float(cost.sum())
