"""Own marketing."""

from sim.mechanisms import marketing
from tests.mech_helpers import world_with_units


def test_under_used_units_take_up_marketing():
    m = world_with_units([1] * 200, **{"marketing.adopt_prob_when_idle": 0.5})
    m.t = 1
    m.E.utilisation[:100] = 0.0
    m.E.utilisation[100:] = 1.0
    marketing.adopt(m)
    assert 30 < m.E.markets_self[:100].sum() < 70
    assert not m.E.markets_self[100:].any()
