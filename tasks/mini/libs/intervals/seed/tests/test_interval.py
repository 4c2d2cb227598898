import math

import pytest

from intervals import Interval


def test_constructors():
    assert Interval.closed(1, 2) == Interval(1, 2, True, True)
    assert Interval.open(1, 2) == Interval(1, 2, False, False)
    assert Interval.closed_open(1, 2) == Interval(1, 2, True, False)
    assert Interval.open_closed(1, 2) == Interval(1, 2, False, True)
    assert Interval.point(3) == Interval(3, 3)


def test_invalid_bounds():
    with pytest.raises(ValueError):
        Interval(2, 1)
    with pytest.raises(ValueError):
        Interval(1, 1, hi_closed=False)


def test_length():
    assert Interval(1, 4).length == 3
    assert Interval.point(2).length == 0
    assert Interval(0, math.inf).length == math.inf


def test_contains_points():
    iv = Interval.closed_open(1, 3)
    assert 1 in iv
    assert 2.5 in iv
    assert 3 not in iv
    assert 0 not in iv
    assert 1 not in Interval.open(1, 3)


def test_contains_interval():
    assert Interval(1, 2) in Interval(0, 3)
    assert Interval(0, 3) not in Interval(1, 2)
    assert Interval.closed(1, 3) not in Interval.closed_open(1, 3)
    assert Interval.closed_open(1, 3) in Interval.closed(1, 3)


def test_overlaps():
    assert Interval(0, 5).overlaps(Interval(3, 8))
    assert Interval(3, 8).overlaps(Interval(0, 5))
    assert Interval(0, 10).overlaps(Interval(2, 3))
    assert not Interval(0, 1).overlaps(Interval(2, 3))
    assert not Interval(2, 3).overlaps(Interval(0, 1))


def test_touches():
    assert Interval(0, 5).touches(Interval(3, 8))
    assert Interval(1, 2).touches(Interval(2, 3))
    assert not Interval(0, 1).touches(Interval(2, 3))


def test_intersection():
    assert Interval(0, 5).intersection(Interval(3, 8)) == Interval(3, 5)
    assert Interval.open(0, 5).intersection(Interval(0, 8)) == Interval.open(0, 5)
    assert Interval(0, 1).intersection(Interval(2, 3)) is None


def test_hull():
    assert Interval.open(0, 1).hull(Interval(2, 3)) == Interval.open_closed(0, 3)
    assert Interval.open(0, 1).hull(Interval.closed(0, 1)) == Interval(0, 1)


def test_str_and_repr():
    assert str(Interval.closed_open(0, 1.5)) == "[0, 1.5)"
    assert repr(Interval(0, math.inf, hi_closed=False)) == "Interval.parse('[0, inf)')"


def test_hashable():
    assert len({Interval(0, 1), Interval(0, 1), Interval.open(0, 1)}) == 2
