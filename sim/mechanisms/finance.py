"""Finance: each month a unit pays its running costs, employees and casual workers, and its
loan instalment; a cash gap is bridged by members pawning gold; what is left above a working
buffer and a reserve for replacing IT assets is paid to members, and a well-paid unit prepays
its loan. Unpaid costs or missed instalments mark distress, which can end in insolvency.

Sources: Heeks & Arun (2010) - members pawned gold to meet instalments; half the units had
repaid the 5-year loan, some within 2-3 years; money set aside for reinvestment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import assets, decisions, ledger, production

# fixed_outgoings lives in costs (read by assets too) and stays importable from here
from sim.mechanisms.costs import fixed_outgoings, running_costs

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def settle(model: SocialOutsourcingModel) -> None:
    """Pay costs and instalments, bridge gaps, pay members, prepay loans."""
    E, M = model.E, model.M
    cfg = model.config
    fin = cfg.finance
    idx = np.flatnonzero(E.alive)
    M.earnings = np.where(M.left < 0, 0.0, M.earnings)
    E.member_pay = 0.0
    E.pay_per_member = 0.0
    if len(idx) == 0:
        return
    members, _ = production.member_strength(model)
    nm = members[idx]

    costs = (
        running_costs(model, idx, casual=model.world.casual_cost[idx])
        + E.overhead_due[idx]  # solar, monitoring, training, social mission (issue 8)
    )
    E.overhead_due[idx] = 0.0
    interest = E.loan_balance[idx] * E.loan_rate[idx]
    due = np.where(
        E.loan_balance[idx] > 0,
        np.minimum(E.loan_instalment[idx], E.loan_balance[idx] + interest),
        0.0,
    )

    # bridge a gap by pawning members' gold
    gap = np.maximum(costs + due - E.cash[idx], 0.0)
    room = np.maximum(fin.pawn_usd_per_member * nm - E.pawn_balance[idx], 0.0)
    bridge = np.minimum(gap, room)
    if bridge.any():
        ledger.credit(model, idx, bridge)
        E.pawn_balance[idx] += bridge
        E.pawned_ever[idx[bridge > 0]] = True

    # running costs first; what cannot be paid is forgone and counts as distress
    paid_costs = np.minimum(costs, E.cash[idx])
    ledger.debit(model, idx, paid_costs)
    short = paid_costs < costs - 1e-9

    # the loan instalment, if the cash is there
    pay_inst = (due > 0) & (E.cash[idx] >= due - 1e-9)
    ledger.debit(model, idx[pay_inst], due[pay_inst])
    E.loan_balance[idx] += interest
    E.loan_balance[idx[pay_inst]] -= due[pay_inst]
    missed = (due > 0) & ~pay_inst
    first_missed = idx[missed & (E.missed_instalments[idx] == 0)]
    if len(first_missed):
        shown = ", ".join(str(int(i)) for i in first_missed[:5])
        more = f" and {len(first_missed) - 5} more" if len(first_missed) > 5 else ""
        model.log(
            f"{len(first_missed)} unit(s) missed a loan instalment: {shown}{more} (the bank "
            f"calls a loan after {fin.missed_instalments_to_default} missed in a row).",
            kind="loan_default",
        )
    E.missed_instalments[idx] = np.where(
        missed, E.missed_instalments[idx] + 1, np.where(pay_inst, 0, E.missed_instalments[idx])
    )
    E.distress_months[idx] = np.where(short | missed, E.distress_months[idx] + 1, 0)

    # pawn loans accrue interest and are repaid first from free cash
    E.pawn_balance[idx] *= 1 + fin.pawn_monthly_interest
    keep = (
        fin.buffer_months * fixed_outgoings(model)[idx]
        + fin.asset_reserve_share * assets.worn_value(model)[idx]
    )
    free = np.maximum(E.cash[idx] - keep, 0.0)
    repay = np.minimum(E.pawn_balance[idx], free)
    ledger.debit(model, idx, repay)
    E.pawn_balance[idx] -= repay
    free -= repay

    # members are paid from the surplus
    share = decisions.pay_shares(model, idx, fin.payout_share)  # a played unit's own share
    pool = np.minimum(share * free, fin.max_member_pay_usd * nm)
    pool = np.where(nm > 0, pool, 0.0)
    ledger.debit(model, idx, pool)
    E.member_pay[idx] = pool
    free -= pool
    per_member = np.divide(pool, nm, out=np.zeros(len(idx)), where=nm > 0)
    E.pay_per_member[idx] = per_member  # read by closure (viability, walking away)
    active = np.flatnonzero(M.left < 0)
    pay_of = np.zeros(E.n)
    pay_of[idx] = per_member
    M.earnings[active] = pay_of[M.enterprise[active]]
    M.earn_year[active] += M.earnings[active]
    M.months_year[active] += 1

    # a unit whose members are paid well prepays its loan
    prepay_ok = (per_member >= fin.prepay_threshold_usd) & (E.loan_balance[idx] > 0)
    prepay = np.where(prepay_ok, np.minimum(fin.prepay_share * free, E.loan_balance[idx]), 0.0)
    ledger.debit(model, idx, prepay)
    E.loan_balance[idx] -= prepay

    done = idx[(E.loan_balance[idx] <= 0.01) & (E.loans_taken[idx] > 0)]
    E.loan_balance[done] = 0.0
    E.loan_instalment[done] = 0.0
    first = done[E.loan_repaid_month[done] < 0]
    E.loan_repaid_month[first] = model.t
