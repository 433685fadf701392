"""Played units (issue 19, part 2): one unit's quarterly decisions taken from a participant.

The rule-driven fallback and a participant who chooses exactly what the rule chooses give the
same run, to the last bit; a decision moves its unit's money the way it says; bad decisions
are refused with one line and the unit follows the rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from sim.mechanisms import decisions, demand, production
from sim.mechanisms.decisions import DecisionError, QuarterDecision
from sim.model import SocialOutsourcingModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = load_scenario(ROOT / "scenarios" / "kerala_baseline.yaml")
NO_SPEM = load_scenario(ROOT / "scenarios" / "no_spem.yaml")
START = 24  # units have formed by 2001-01


def state_of(m: SocialOutsourcingModel) -> dict[str, np.ndarray]:
    """Everything a run's results are made of: every unit's money, people, work and PCs, and
    the recorded monthly series."""
    E = m.E
    out = {k: np.array(getattr(E, k)).copy() for k in (
        "cash", "alive", "loan_balance", "member_pay", "pay_per_member", "employees",
        "markets_self", "reputation", "closure_reason")}
    out["monthly"] = np.array([[float(v) for v in r.values()] for r in m.recorder.monthly])
    out["pcs"] = np.array(m.A.enterprise).copy()
    out["orders"] = np.array(m.O.remaining).copy()
    return out


def run_played(scenario, units, decider, months: int = 96, start: int = START):
    m = SocialOutsourcingModel(scenario)
    m.run_for(start)
    for u in units:
        decisions.play(m, u, decider)
    m.run_for(months)
    return m


def assert_same(a: SocialOutsourcingModel, b: SocialOutsourcingModel) -> None:
    sa, sb = state_of(a), state_of(b)
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)


@pytest.mark.parametrize("scenario", [BASE, NO_SPEM], ids=["baseline", "no_spem"])
def test_the_rules_fallback_and_a_participant_choosing_the_rules_decision_are_identical(
        scenario):
    units = [0, 3, 5, 10]  # training and data-entry units, marketing or not
    fallback = run_played(scenario, units, lambda m, u: None)
    as_rule = run_played(scenario, units, decisions.rule_decision)
    assert_same(fallback, as_rule)
    # and both are the run nobody plays (the hook itself changes nothing)
    unplayed = SocialOutsourcingModel(scenario)
    unplayed.run_for(START + 96)
    assert_same(fallback, unplayed)
    taken = [d for _, _, d, _ in as_rule.played.history]
    assert taken and all(d is not None for d in taken)
    assert all(d is None for _, _, d, _ in fallback.played.history)


def test_a_participant_choosing_otherwise_changes_the_run():
    """The identity above could hold because the hook did nothing: a different choice must
    change the unit's results."""
    rule = run_played(BASE, [0], decisions.rule_decision, months=12)
    other = run_played(BASE, [0], lambda m, u: {"pay_share": 0.0}, months=12)
    assert other.E.cash[0] > rule.E.cash[0]
    assert other.E.member_pay[0] == 0 and rule.E.member_pay[0] > 0


def test_pay_share_moves_cash_between_members_and_reserve():
    keep = run_played(BASE, [0], lambda m, u: {"pay_share": 0.0}, months=3)
    pay = run_played(BASE, [0], lambda m, u: {"pay_share": 1.0}, months=3)
    rule = run_played(BASE, [0], lambda m, u: None, months=3)
    assert keep.E.cash[0] > rule.E.cash[0] > pay.E.cash[0]
    assert keep.E.member_pay[0] == 0 < rule.E.member_pay[0] < pay.E.member_pay[0]


def test_a_further_loan_and_pcs_and_hires_act_at_the_quarters_start():
    cap = BASE.finance.max_further_loan_usd
    m = SocialOutsourcingModel(BASE)
    m.run_for(START)
    tops = m.line_param("max_pcs")[m.E.line]
    u = int(np.flatnonzero(m.E.alive & (decisions.assets.working_pcs(m) < tops))[0])
    cash, debt, emp = m.E.cash[u], m.E.loan_balance[u], m.E.employees[u]
    pcs = int(np.sum(np.array(m.A.enterprise) == u))
    decisions.play(m, u, lambda m, u: {"loan_usd": cap, "buy_pcs": 1, "hire": 2})
    decisions.start_quarter(m)  # START is a quarter's first month
    price = decisions.assets.pc_price(m)
    assert m.E.loan_balance[u] == pytest.approx(debt + cap)
    assert m.E.cash[u] == pytest.approx(cash + cap - price)
    assert int(np.sum(np.array(m.A.enterprise) == u)) == pcs + 1
    assert m.E.employees[u] == emp + 2


def test_a_unit_that_does_not_bid_gets_no_new_brokered_orders():
    """A data-entry unit lives on the orders the mission spreads; declining them, its work
    runs out while the rule's unit keeps some."""
    unit = 0
    m0 = SocialOutsourcingModel(BASE)
    m0.run_for(START)
    assert int(m0.E.line[unit]) == demand.DATA_ENTRY
    no = run_played(BASE, [unit], lambda m, u: {"bid": False}, months=24)
    rule = run_played(BASE, [unit], lambda m, u: None, months=24)
    assert production.backlog(no)[unit] < production.backlog(rule)[unit]


def test_own_bids_are_paid_at_the_price_bid():
    """Without the mission units bid in open tenders themselves; a played unit bidding at 1.5
    times the line's price books its orders at that price."""
    start = 12 * 8  # 2007-01: the mission withdrew in 2006
    seen = []

    def decide(m, u):
        seen.append(u)
        return {"market_private": True, "price_multiple": 1.5}

    units = list(range(0, 40))
    m = run_played(NO_SPEM, units, decide, months=36, start=start)
    O = m.O
    line_price = m.line_param("price_usd")[O.line]
    mine = np.isin(O.enterprise, units) & ~O.private & ~O.recurring
    assert seen and mine.any()
    np.testing.assert_allclose(O.price[mine], 1.5 * line_price[mine])


@pytest.mark.parametrize("raw, message", [
    ({"pay_share": 1.5}, "unit 0: pay_share: Input should be less than or equal to 1"),
    ({"price_multiple": 0.1}, "unit 0: price_multiple: Input should be greater than or equal"),
    ({"hire": -1}, "unit 0: hire: Input should be greater than or equal to 0"),
    ({"bid": "perhaps"}, "unit 0: bid: Input should be a valid boolean"),
    ({"pay": 0.5}, "unit 0: pay: Extra inputs are not permitted"),
    ({"loan_usd": 1e9}, "unit 0: loan_usd: at most the bank's further loan"),
])
def test_bad_decisions_are_refused_in_one_line(raw, message):
    m = SocialOutsourcingModel(BASE)
    m.run_for(START)
    with pytest.raises(DecisionError) as exc:
        decisions.validate_decision(m, 0, raw)
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


def test_a_refused_decision_leaves_the_unit_to_the_rule():
    bad = run_played(BASE, [0], lambda m, u: {"pay_share": 7}, months=12)
    rule = run_played(BASE, [0], lambda m, u: None, months=12)
    assert_same(bad, rule)
    assert all(note.startswith("refused (unit 0: pay_share") for _, _, _, note in
               bad.played.history)


def test_a_decision_is_a_frozen_validated_record():
    d = QuarterDecision(pay_share=0.25)
    assert d.bid is True and d.price_multiple == 1.0 and d.market_private is None
    with pytest.raises(ValidationError):
        d.pay_share = 0.5  # frozen: a decision taken stays as taken
    with pytest.raises(DecisionError):
        decisions.play(SocialOutsourcingModel(BASE), 5, lambda m, u: None)  # not formed yet
