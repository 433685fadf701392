"""Hired staff: a busy unit turns the casual workers it keeps needing into employees (so a
venture can grow from a dozen people to hundreds as demand and PCs grow); employees leave with
their own attrition; trained workers - members and employees - migrate to jobs in towns with a
hazard that grows as training closes their skill gap; new employees start at the entry skill
(after any pre-service training) and learn on the job; training costs fall due at settlement
(new members' training is the mission's while ``mission.trains_members`` acts).

Sources: HBS case 09-095 - DDD grew from a dozen staff (2001) to ~500 (2009), staff stay 3-4
years; NASSCOM Foundation / Everest Group (2014) - attrition in rural sourcing 8-12 % a year,
40-60 % in urban BPO; domain brief - urban migration of trained rural youth, skills gap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import intermediary, quality, workforce
from sim.state import monthly_probability

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def employees_leave(model: SocialOutsourcingModel) -> int:
    """Employees leave for other reasons or migrate once trained; return how many left."""
    st = model.config.staffing
    if st.employee_attrition_annual_rate <= 0 and st.trained_migration_annual_rate <= 0:
        return 0
    E = model.E
    idx = np.flatnonzero(E.alive & (E.employees > 0))
    if len(idx) == 0:
        return 0
    rng = model.rng_for("staffing")
    stay_other = 1 - monthly_probability(st.employee_attrition_annual_rate)
    migrate = monthly_probability(st.trained_migration_annual_rate) * (
        quality.employee_skill_index(model)[idx]
    )
    p = 1 - stay_other * (1 - migrate)
    lost = rng.binomial(E.employees[idx], p)
    E.employees[idx] -= lost
    model.world.counters["employees_left"] += int(lost.sum())
    return int(lost.sum())


def members_migrate(model: SocialOutsourcingModel) -> np.ndarray:
    """Trained members leave for towns (reason: migration) and are replaced as any leaver."""
    rate = model.config.staffing.trained_migration_annual_rate
    M = model.M
    if rate <= 0:
        return np.empty(0, dtype=np.int64)
    active = np.flatnonzero(M.left < 0)
    if len(active) == 0:
        return active
    p = monthly_probability(rate) * quality.member_skill_index(model, active)
    gone = active[model.rng_for("migration").random(len(active)) < p]
    workforce.mark_left(model, gone, workforce.MIGRATION)
    model.world.counters["members_migrated"] += len(gone)
    workforce.replace(model, gone)
    return gone


def hire(model: SocialOutsourcingModel) -> int:
    """A share of this month's casual workers become employees (stochastic rounding)."""
    share = model.config.staffing.hire_share_of_gap
    if share <= 0:
        return 0
    E = model.E
    idx = np.flatnonzero(E.alive & (E.casuals > 0))
    if len(idx) == 0:
        return 0
    u = model.rng_for("staffing").random(len(idx))
    h = np.floor(share * E.casuals[idx] + u).astype(np.int64)
    E.employees[idx] += h
    return int(h.sum())


def employee_skills(model: SocialOutsourcingModel) -> None:
    """New employees dilute the mean skill at the start level; everyone learns a month; the
    training of this month's new workers falls due at the next settlement."""
    E = model.E
    cfg = model.config
    top = cfg.staffing.employee_skill_max
    start = workforce.start_skill(model, top)
    old = np.minimum(E.staff_seen, E.employees)
    new = E.employees - old
    mean = np.divide(
        E.employee_skill * old + start * new,
        E.employees,
        out=np.full(E.n, start),
        where=E.employees > 0,
    )
    learn = 1 - np.exp(-1 / cfg.workforce.skill_months)
    E.employee_skill = mean + (top - mean) * learn
    q = cfg.quality
    if q.training_months > 0 and q.training_cost_usd_per_month > 0:
        per_head = q.training_months * q.training_cost_usd_per_month
        newcomers = np.where(E.alive, new, 0).astype(float)
        M = model.M
        joined = M.enterprise[M.joined == model.t]
        if intermediary.supports(model, "trains_members"):
            # the mission gives and pays new members' training; the unit pays its employees'
            model.world.counters["mission_training_usd"] += len(joined) * per_head
        else:
            np.add.at(newcomers, joined, 1.0)
        E.overhead_due += newcomers * per_head
    E.staff_seen = E.employees


def step(model: SocialOutsourcingModel) -> None:
    """Employees leave, trained members migrate, casual need turns into jobs, skills grow."""
    employees_leave(model)
    members_migrate(model)
    hire(model)
    employee_skills(model)
