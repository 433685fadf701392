"""IT assets: depreciation, Weibull failure, reinvestment and further loans."""

import numpy as np
import pytest

from sim.mechanisms import assets
from tests.mech_helpers import world_with_units


def test_assets_depreciate_to_near_zero_in_five_years():
    m = world_with_units([1])
    cost = m.A.cost.sum()
    m.t = 60
    assert assets.value_by_enterprise(m)[0] == pytest.approx(cost * 0.6**5)
    assert assets.value_by_enterprise(m)[0] / cost < 0.08


def test_pc_failures_follow_the_weibull_life():
    """4,000 PCs with Weibull(scale 66 months, shape 3): the share still working at 66 months
    is exp(-1) = 0.368; tolerance 0.03 (about 4 standard errors)."""
    m = world_with_units([1] * 400, **{"lines.data_entry.initial_pcs": 10})
    for _ in range(66):
        m.t += 1
        assets.fail(m)
    assert m.A.working.mean() == pytest.approx(np.exp(-1), abs=0.03)


def test_failed_pcs_are_replaced_from_cash():
    m = world_with_units([1])
    m.E.cash[0] = 10_000
    m.A.working[:3] = False
    assets.reinvest(m)
    assert assets.working_pcs(m)[0] == 7
    assert m.E.reinvested_usd[0] > 0


def test_a_unit_without_cash_takes_a_further_loan_once_the_first_is_repaid():
    m = world_with_units([1])
    m.E.cash[0] = 0.0
    m.E.loan_balance[0] = 0.0
    m.A.working[:4] = False
    assets.reinvest(m)
    assert m.E.loans_taken[0] == 2
    assert assets.working_pcs(m)[0] > 3


def test_no_further_loan_while_the_first_is_outstanding():
    m = world_with_units([1])
    m.E.cash[0] = 0.0
    m.A.working[:4] = False
    assets.reinvest(m)
    assert m.E.loans_taken[0] == 1 and assets.working_pcs(m)[0] == 3


def test_busy_units_expand_up_to_their_maximum():
    m = world_with_units([1])
    m.E.cash[0] = 100_000
    for _ in range(20):
        m.E.high_util_months[0] = 3
        assets.reinvest(m)
    assert assets.working_pcs(m)[0] == m.config.lines.data_entry.max_pcs
