"""Struct-of-arrays tables and random streams."""

import numpy as np

from sim.state import Table, stream, tally


def test_table_grows_and_keeps_its_rows():
    t = Table({"a": (np.int64, -1), "b": (np.float64, 0.0)}, capacity=2)
    t.append(3, a=[1, 2, 3])
    t.append(2, b=9.0)
    assert t.n == 5
    assert t.a.tolist() == [1, 2, 3, -1, -1]
    assert t.b.tolist() == [0, 0, 0, 9, 9]


def test_column_views_write_through():
    t = Table({"a": (np.int64, 0)})
    t.append(3)
    t.a[1] = 7
    t.a = t.a + 1
    assert t.a.tolist() == [1, 8, 1]


def test_keep_drops_rows():
    t = Table({"a": (np.int64, 0)})
    t.append(4, a=[1, 2, 3, 4])
    t.keep(np.array([True, False, True, False]))
    assert t.a.tolist() == [1, 3]


def test_streams_are_reproducible_and_independent_by_name():
    assert stream(1, "x").random() == stream(1, "x").random()
    assert stream(1, "x").random() != stream(1, "y").random()
    assert stream(1, "x").random() != stream(2, "x").random()


def test_tally_is_float_even_when_empty():
    out = tally(np.empty(0, dtype=np.int64), np.empty(0), 3)
    assert out.dtype == np.float64 and out.tolist() == [0, 0, 0]


def test_a_kept_column_view_follows_appends_growth_and_keep():
    t = Table({"a": (np.float64, 0.0)}, capacity=2)
    t.append(2, a=[1.0, 2.0])
    assert t.a.tolist() == [1.0, 2.0]  # the view is now kept in the instance
    t.append(3, a=7.0)  # past capacity: the columns are new arrays
    assert t.a.tolist() == [1.0, 2.0, 7.0, 7.0, 7.0]
    t.a[0] = 5.0
    t.keep(np.array([True, False, True, False, False]))
    assert t.a.tolist() == [5.0, 7.0]


def test_a_copied_table_has_views_of_its_own_columns():
    import copy
    import pickle

    t = Table({"a": (np.float64, 0.0)})
    t.append(2, a=1.0)
    _ = t.a  # keep a view before copying
    for c in (copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        c.a = 3.0
        assert c.a.tolist() == [3.0, 3.0]
        c.append(1, a=4.0)
        assert c.a.tolist() == [3.0, 3.0, 4.0]
    assert t.a.tolist() == [1.0, 1.0]
