"""Quality assurance: a unit's quality rises with how far training and experience have closed
its workers' skill gap and with its quality monitoring; reputation drifts toward quality, and
reputation and quality decide whether private clients sign and stay (``sim.mechanisms.clients``)
and, through reputation, open tenders.

quality = clip(base + skill_weight x skill_index + monitoring_weight x monitoring_effort, 0, 1)

Source: domain brief, "Other systems" - clients must not fear rural delivery; training and
monitoring keep quality up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import production
from sim.state import tally

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def _index(skill: np.ndarray, entry: float, top: float) -> np.ndarray:
    """How far a skill has moved from the entry level to the ceiling (0-1)."""
    if top <= entry:
        return np.ones_like(skill, dtype=float)
    return np.clip((skill - entry) / (top - entry), 0.0, 1.0)


def member_skill_index(model: SocialOutsourcingModel, rows: np.ndarray) -> np.ndarray:
    """Skill index of members ``rows``."""
    wf = model.config.workforce
    return _index(model.M.skill[rows], wf.entry_skill, wf.skill_max)


def employee_skill_index(model: SocialOutsourcingModel) -> np.ndarray:
    """Skill index of each enterprise's employees."""
    cfg = model.config
    wf, st = cfg.workforce, cfg.staffing
    return _index(model.E.employee_skill, wf.entry_skill, st.employee_skill_max)


def skill_index(model: SocialOutsourcingModel) -> np.ndarray:
    """Mean skill index of each enterprise's members and employees (0 with nobody)."""
    E, M = model.E, model.M
    active = np.flatnonzero(M.left < 0)
    members = np.bincount(M.enterprise[active], minlength=E.n)
    total = tally(M.enterprise[active], member_skill_index(model, active), E.n)
    total += E.employees * employee_skill_index(model)
    people = members + E.employees
    return np.divide(total, people, out=np.zeros(E.n), where=people > 0)


def quality_of(model: SocialOutsourcingModel, skill_idx: np.ndarray) -> np.ndarray:
    """Quality for a given skill index, at this scenario's monitoring effort."""
    q = model.config.quality
    return np.clip(
        q.base + q.skill_weight * skill_idx + q.monitoring_weight * q.monitoring_effort, 0.0, 1.0
    )


def update(model: SocialOutsourcingModel) -> None:
    """Set this month's quality, move reputation toward it, and charge for monitoring."""
    E = model.E
    idx = np.flatnonzero(E.alive)
    if len(idx) == 0:
        return
    qc = model.config.quality
    q = quality_of(model, skill_index(model)[idx])
    E.quality[idx] = q
    if qc.reputation_pull > 0:
        E.reputation[idx] += qc.reputation_pull * (q - E.reputation[idx])
    if qc.monitoring_effort > 0 and qc.monitoring_cost_usd_per_worker_month > 0:
        members, _ = production.member_strength(model)
        workers = (members + E.employees)[idx]
        per_worker = qc.monitoring_effort * qc.monitoring_cost_usd_per_worker_month
        E.overhead_due[idx] += workers * per_worker
