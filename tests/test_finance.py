"""Finance: costs, instalments, pawning, member pay, prepayment, distress and default."""

import numpy as np
import pytest

from sim.mechanisms import finance
from tests.mech_helpers import world_with_units


def settle(m):
    m.world.casual_cost = np.zeros(m.E.n)
    finance.settle(m)


def test_a_unit_with_cash_pays_costs_and_instalment():
    m = world_with_units([1], **{"finance.prepay_share": 0})
    m.E.cash[0] = 5000
    bal = m.E.loan_balance[0]
    settle(m)
    interest = bal * m.E.loan_rate[0]
    assert m.E.loan_balance[0] == pytest.approx(bal + interest - m.E.loan_instalment[0])
    assert m.E.missed_instalments[0] == 0 and m.E.distress_months[0] == 0


def test_members_are_paid_from_free_cash_and_earnings_are_shared_equally():
    m = world_with_units([1])
    m.E.cash[0] = 5000
    settle(m)
    earn = m.M.earnings[m.M.enterprise == 0]
    assert earn.min() == earn.max() > 0
    assert m.E.member_pay[0] == pytest.approx(earn.sum())


def test_a_cash_gap_is_bridged_by_pawning_gold():
    m = world_with_units([1])
    m.E.cash[0] = 10.0
    settle(m)
    assert m.E.pawned_ever[0] and m.E.pawn_balance[0] > 0
    assert m.E.missed_instalments[0] == 0


def test_without_cash_or_gold_instalments_are_missed_and_distress_grows():
    m = world_with_units([1], **{"finance.pawn_usd_per_member": 0})
    m.E.cash[0] = 0.0
    for _ in range(3):
        settle(m)
    assert m.E.missed_instalments[0] == 3
    assert m.E.distress_months[0] == 3
    assert m.M.earnings[m.M.enterprise == 0].max() == 0


def test_well_paid_units_prepay_and_record_when_the_loan_is_repaid():
    m = world_with_units([1], **{"finance.prepay_threshold_usd": 0, "finance.prepay_share": 1.0})
    m.E.cash[0] = 50_000
    settle(m)
    assert m.E.loan_balance[0] == 0
    assert m.E.loan_repaid_month[0] == 0


def test_outgoings_include_the_instalment_only_while_a_loan_runs():
    m = world_with_units([1])
    with_loan = finance.fixed_outgoings(m)[0]
    m.E.loan_balance[0] = 0
    assert finance.fixed_outgoings(m)[0] == pytest.approx(with_loan - m.E.loan_instalment[0])
