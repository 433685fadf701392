"""Workforce: members leave (marriage, another job, migration) with monthly hazards - leaving
for another job the faster, the further a member's smoothed earnings fall below her outside
option; a leaver is mostly replaced, by a hired employee or, while the mission recruits, by a
new member; leadership roles rotate; skills grow with tenure. A new member's household has no
other income with a set probability, else a lognormal one.

Sources: Heeks & Arun (2010) - core members fall from 10 to ~7 and are replaced by employees,
so participants stay just over 10; women leave on marriage or for another job, a quarter would
consider another job; the unit is the sole income in 6 % of households; roles rotate every 1-2
years. NASSCOM Foundation / Everest Group (2014) - attrition of 8-12 % a year in rural and
impact sourcing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import intermediary
from sim.state import among, monthly_probability

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel
    from sim.scenario import Workforce

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


def remember_earnings(model: SocialOutsourcingModel) -> None:
    """Fold this month's pay into each active member's exponential average of her earnings
    (time scale ``workforce.earnings_memory_months``); the average starts at her first pay."""
    M = model.M
    active = M.left < 0
    w = 1 - np.exp(-1 / model.config.workforce.earnings_memory_months)
    old = M.earnings_smooth
    new = np.where(np.isnan(old), M.earnings, old + w * (M.earnings - old))
    M.earnings_smooth = np.where(active, new, old)


def earnings_shortfall(wf: Workforce, smoothed: np.ndarray) -> np.ndarray:
    """How far smoothed earnings fall below the outside option, as a share of it:
    max(0, 1 - earnings / outside_option_usd); 0 for a member not yet paid (NaN)."""
    s = 1 - np.asarray(smoothed, dtype=float) / wf.outside_option_usd
    return np.where(np.isnan(s), 0.0, np.clip(s, 0.0, 1.0))


def other_job_hazard(wf: Workforce, smoothed: np.ndarray) -> np.ndarray:
    """Monthly probability of leaving for another job: the annual rate's hazard
    -ln(1 - other_job_annual_rate) times (1 + dropout_earnings_slope x shortfall), so the
    monthly probability is 1 - (1 - rate) ** ((1 + slope x shortfall) / 12); at earnings at or
    above the outside option (or slope 0) it is the fixed rate's monthly probability."""
    mult = 1 + wf.dropout_earnings_slope * earnings_shortfall(wf, smoothed)
    return 1 - (1 - wf.other_job_annual_rate) ** (mult / 12)


def leave(model: SocialOutsourcingModel) -> np.ndarray:
    """Active members leave with competing monthly hazards (marriage, another job - rising
    with her earnings shortfall -, migration); return the leavers' rows."""
    M = model.M
    wf = model.config.workforce
    active = np.flatnonzero(M.left < 0)
    if len(active) == 0:
        return active
    h_marriage = monthly_probability(wf.marriage_annual_rate)
    h_job = other_job_hazard(wf, M.earnings_smooth[active])
    h_migration = monthly_probability(wf.migration_annual_rate)
    u = model.rng_for("workforce").random(len(active))
    edge1 = h_marriage
    edge2 = h_marriage + h_job
    gone = u < edge2 + h_migration
    leavers = active[gone]
    ug = u[gone]
    mark_left(model, leavers, 1 + (ug >= edge1) + (ug >= edge2[gone]))
    return leavers


def draw_other_income(model: SocialOutsourcingModel, rng: np.random.Generator, k: int
                      ) -> np.ndarray:
    """Other household income of ``k`` new members: lognormal around ``other_income_usd``
    (from the caller's stream, as before), and none at all for the share
    ``no_other_income_share`` of households (from a stream of its own, so that the other draws
    are not shifted)."""
    wf = model.config.workforce
    other = wf.other_income_usd * np.exp(wf.other_income_sigma * rng.standard_normal(k))
    none = model.rng_for("workforce.no_other_income").random(k) < wf.no_other_income_share
    return np.where(none, 0.0, other)


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
    other = draw_other_income(model, rng, k)
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
    start = np.concatenate(([0], np.flatnonzero(ent[1:] != ent[:-1]) + 1))
    sizes = np.diff(np.append(start, len(order)))
    rank = np.arange(len(order)) - np.repeat(start, sizes)
    shift = (age[ent] // period) * 3
    pos = (rank - shift) % np.repeat(sizes, sizes)
    has_role = pos < 3
    M.role[order[has_role]] = 1 + pos[has_role]


def step(model: SocialOutsourcingModel) -> None:
    """Earnings memory, leaving, replacement, role rotation and learning for this month."""
    remember_earnings(model)
    replace(model, leave(model))
    rotate_roles(model)
    learn(model)
