"""Workforce: members leave (marriage, another job, migration) with constant monthly hazards;
a leaver is mostly replaced, by a hired employee or, while the mission recruits, by a new
member; leadership roles rotate; skills grow with tenure.

Sources: Heeks & Arun (2010) - core members fall from 10 to ~7 and are replaced by employees,
so participants stay just over 10; roles rotate every 1-2 years. NASSCOM Foundation / Everest
Group (2014) - attrition of 8-12 % a year in rural and impact sourcing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import intermediary
from sim.state import among, monthly_probability

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

LEAVE_REASONS = ("", "marriage", "other_job", "migration", "unit_closed")
MARRIAGE, OTHER_JOB, MIGRATION, UNIT_CLOSED = 1, 2, 3, 4


# the annual-to-monthly hazard, kept under its old name for callers of ``workforce.monthly``
monthly = monthly_probability


def mark_left(model: SocialOutsourcingModel, rows: np.ndarray, reason: int | np.ndarray) -> None:
    """Members ``rows`` leave this month for ``reason`` (one of LEAVE_REASONS' codes, or one
    code per row): the one place that records a member leaving, whatever the cause (hazards
    here, migration in ``staffing``, a closing unit in ``closure``)."""
    M = model.M
    M.left[rows] = model.t
    M.leave_reason[rows] = reason
    M.earnings[rows] = 0.0


def leave(model: SocialOutsourcingModel) -> np.ndarray:
    """Active members leave with competing monthly hazards; return the leavers' rows."""
    M = model.M
    wf = model.config.workforce
    active = np.flatnonzero(M.left < 0)
    if len(active) == 0:
        return active
    h = np.array(
        [
            monthly_probability(wf.marriage_annual_rate),
            monthly_probability(wf.other_job_annual_rate),
            monthly_probability(wf.migration_annual_rate),
        ]
    )
    u = model.rng_for("workforce").random(len(active))
    edges = np.cumsum(h)
    gone = u < edges[-1]
    leavers = active[gone]
    mark_left(model, leavers, 1 + np.searchsorted(edges, u[gone], side="right"))
    return leavers


def replace(model: SocialOutsourcingModel, leavers: np.ndarray) -> np.ndarray:
    """Replace leavers by employees or new members; return the new members' rows."""
    if len(leavers) == 0:
        return np.empty(0, dtype=np.int64)
    E, M = model.E, model.M
    wf = model.config.workforce
    rng = model.rng_for("workforce")
    ent = M.enterprise[leavers]
    u_replace, u_member = rng.random(len(leavers)), rng.random(len(leavers))
    members = np.bincount(M.enterprise[M.left < 0], minlength=E.n)[ent]
    short = members < wf.recruit_below
    # a short-handed unit recruits a new member itself; otherwise a leaver is replaced by a
    # member the mission's groups nominate, or by an employee if the work needs one
    replaced = np.where(short, True, u_replace < wf.replace_prob) & E.alive[ent]
    nominated = wf.new_member_prob if intermediary.supports(model, "nominates_members") else 0.0
    p_member = np.where(short, wf.recruit_prob_when_short, nominated)
    as_member = replaced & (u_member < p_member)
    needed = E.utilisation[ent] >= wf.replace_min_utilisation
    as_employee = replaced & ~as_member & needed
    np.add.at(E.employees, ent[as_employee], 1)
    new_ent = ent[as_member]
    k = len(new_ent)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    edu = rng.choice(np.asarray(model.config.formation.education_years, dtype=float), size=k)
    other = wf.other_income_usd * np.exp(wf.other_income_sigma * rng.standard_normal(k))
    idx = M.append(k, enterprise=new_ent, joined=model.t, education=edu, other_income=other,
                   skill=start_skill(model))
    return idx


def skill_after(model: SocialOutsourcingModel, months_worked, top: float | None = None):
    """Skill after ``months_worked`` on the job (scalar or array), pre-service training counted
    as tenure: from the entry skill toward the ceiling ``top`` (members' ceiling by default)."""
    wf = model.config.workforce
    top = wf.skill_max if top is None else top
    tenure = months_worked + model.config.quality.training_months
    return wf.entry_skill + (top - wf.entry_skill) * (1 - np.exp(-tenure / wf.skill_months))


def start_skill(model: SocialOutsourcingModel, top: float | None = None) -> float:
    """Skill of a new worker in her first month: what ``learn`` gives at tenure 0."""
    return float(skill_after(model, 0.0, top))


def learn(model: SocialOutsourcingModel) -> None:
    """Skills approach their ceiling with tenure; a skills gap at entry (entry_skill < 1)
    closes."""
    M = model.M
    worked = (model.t - M.joined).astype(float)
    M.skill = np.where(M.left < 0, skill_after(model, worked), M.skill)


def rotate_roles(model: SocialOutsourcingModel) -> None:
    """Every rotation period the leader, deputy and secretary roles pass to other members."""
    E, M = model.E, model.M
    period = model.config.workforce.rotation_months
    age = model.t - E.founded
    due = np.flatnonzero(E.alive & (age > 0) & (age % period == 0))
    if len(due) == 0:
        return
    active = np.flatnonzero((M.left < 0) & among(M.enterprise, due, E.n))
    M.role[active] = 0
    order = active[np.lexsort((active, M.enterprise[active]))]
    ent = M.enterprise[order]
    start = np.r_[0, np.flatnonzero(ent[1:] != ent[:-1]) + 1]
    sizes = np.diff(np.r_[start, len(order)])
    rank = np.arange(len(order)) - np.repeat(start, sizes)
    shift = (age[ent] // period) * 3
    pos = (rank - shift) % np.repeat(sizes, sizes)
    has_role = pos < 3
    M.role[order[has_role]] = 1 + pos[has_role]


def step(model: SocialOutsourcingModel) -> None:
    """Leaving, replacement, role rotation and learning for this month."""
    replace(model, leave(model))
    rotate_roles(model)
    learn(model)
