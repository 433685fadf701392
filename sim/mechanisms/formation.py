"""Formation and start-up finance: the mission forms units on its schedule from groups of
poor women, who pay a stake; government adds a grant of a multiple of the stakes and a bank
lends about half the capital on a 5-year schedule; the capital buys the unit's IT assets.

Source: Heeks & Arun (2010); Kudumbashree "special enterprises" pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import assets, intermediary, ledger, workforce
from sim.scenario import LINES, add_months, month_index

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

ROLES = ("member", "leader", "deputy", "secretary")


def plan(model: SocialOutsourcingModel) -> dict[int, list[int]]:
    """Month index -> lines of the units the schedule forms that month (months drawn at random
    within each scheduled year, from the formation stream)."""
    cfg = model.config
    rng = model.rng_for("formation")
    out: dict[int, list[int]] = {}
    for code, line in enumerate(LINES):
        for year, count in sorted(cfg.formation.schedule.get(line, {}).items()):
            months = np.sort(rng.integers(0, 12, size=count))
            for m in months:
                k = month_index(f"{year:04d}-{int(m) + 1:02d}", cfg.start)
                if 0 <= k < cfg.months:
                    out.setdefault(k, []).append(code)
    return out


def replan(model: SocialOutsourcingModel, before: dict[str, dict[int, int]]) -> None:
    """A dated ``set`` of ``formation.schedule``: from this month on, the plan follows the new
    schedule. A line-year whose count is unchanged keeps its planned months; one whose count
    changed gets its new count, less the units already planned before this month, at months drawn
    within what is left of that year (from a stream of its own, so runs without the change draw
    exactly as before). Years already past are not reopened."""
    cfg = model.config
    after = cfg.formation.schedule
    rng = model.rng_for("formation.replan")
    t = model.t
    out: dict[int, list[int]] = {}
    planned_before: dict[tuple[int, int], int] = {}
    for k, codes in model.formation_plan.items():
        year = int(add_months(cfg.start, k)[:4])
        for code in codes:
            line = LINES[code]
            same = before.get(line, {}).get(year, 0) == after.get(line, {}).get(year, 0)
            if k < t or same:
                out.setdefault(k, []).append(code)
            if k < t:
                planned_before[code, year] = planned_before.get((code, year), 0) + 1
    for code, line in enumerate(LINES):
        old, new = before.get(line, {}), after.get(line, {})
        for year in sorted(set(old) | set(new)):
            if old.get(year, 0) == new.get(year, 0):
                continue
            first = max(month_index(f"{year:04d}-01", cfg.start), t)
            last = min(month_index(f"{year:04d}-12", cfg.start), cfg.months - 1)
            count = new.get(year, 0) - planned_before.get((code, year), 0)
            if first > last or count <= 0:
                continue
            for k in np.sort(rng.integers(first, last + 1, size=count)):
                out.setdefault(int(k), []).append(code)
    model.formation_plan = {k: sorted(out[k]) for k in sorted(out)}


def form(model: SocialOutsourcingModel) -> np.ndarray:
    """Form this month's planned units, if the mission is active; return their indices."""
    lines = model.formation_plan.get(model.t)
    if not lines or not intermediary.may_form(model):
        return np.empty(0, dtype=np.int64)
    return found(model, np.asarray(lines, dtype=np.int64))


def found(model: SocialOutsourcingModel, lines: np.ndarray) -> np.ndarray:
    """Create, finance, staff and equip one unit per entry of ``lines``."""
    cfg = model.config
    fm = cfg.formation
    rng = model.rng_for("formation")
    E = model.E
    n = len(lines)
    idx = E.append(
        n,
        line=lines,
        founded=model.t,
        alive=True,
        reputation=cfg.contracting.reputation_initial,
    )
    E.target_pcs[idx] = model.line_param("initial_pcs")[lines]
    # its area (district), evenly, from a stream of its own so that no other draw moves
    E.area[idx] = model.rng_for("formation.area").integers(0, cfg.marketing.areas, n)
    sigma = fm.productivity_sigma
    if sigma > 0:
        z = model.rng_for("heterogeneity").standard_normal(n)
        E.productivity[idx] = np.exp(sigma * z - sigma**2 / 2)

    # finance: stakes + grant + bank loan
    stakes = fm.founding_members * fm.member_stake_usd
    ledger.credit(model, idx, stakes * (1 + fm.grant_multiple))
    if fm.bank_loan_usd > 0:
        ledger.lend(model, idx, np.full(n, fm.bank_loan_usd), fm.loan_term_months)

    # members
    k = fm.founding_members
    ent = np.repeat(idx, k)
    m = len(ent)
    edu = rng.choice(np.asarray(fm.education_years, dtype=float), size=m)
    other = workforce.draw_other_income(model, rng, m)
    role = np.tile(np.minimum(np.arange(k), len(ROLES) - 1), n)
    role[np.tile(np.arange(k), n) >= len(ROLES)] = 0
    model.M.append(
        m, enterprise=ent, joined=model.t, education=edu, other_income=other, role=role,
        skill=workforce.start_skill(model),
    )

    # equipment: PCs and other assets bought from the capital
    assets.buy(model, idx, E.target_pcs[idx])
    ledger.debit(model, idx, model.line_param("other_assets_usd")[lines])
    return idx
