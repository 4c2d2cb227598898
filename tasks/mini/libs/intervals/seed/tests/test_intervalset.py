from intervals import Interval, IntervalSet


def test_add_merges_overlapping():
    s = IntervalSet([Interval(0, 1), Interval(5, 6), Interval(0.5, 2)])
    assert list(s) == [Interval(0, 2), Interval(5, 6)]
    assert str(s) == "[0, 2] | [5, 6]"


def test_add_bridges_several():
    s = IntervalSet([Interval(0, 1), Interval(2, 3), Interval(4, 5)])
    s.add(Interval(0.5, 4.5))
    assert list(s) == [Interval(0, 5)]


def test_sorted():
    s = IntervalSet([Interval(5, 6), Interval(0, 1)])
    assert list(s) == [Interval(0, 1), Interval(5, 6)]


def test_contains():
    s = IntervalSet([Interval.closed_open(0, 1), Interval(5, 6)])
    assert 0 in s
    assert 1 not in s
    assert 5.5 in s
    assert 7 not in s


def test_total_length_and_len():
    s = IntervalSet([Interval(0, 1), Interval(5, 7)])
    assert s.total_length == 3
    assert len(s) == 2
    assert not IntervalSet()


def test_remove_whole_items():
    s = IntervalSet([Interval(1, 2), Interval(5, 6), Interval(8, 9)])
    s.remove(Interval(0, 7))
    assert list(s) == [Interval(8, 9)]


def test_union_and_intersection():
    a = IntervalSet([Interval(0, 2), Interval(4, 6)])
    b = IntervalSet([Interval(1, 5)])
    assert list(a | b) == [Interval(0, 6)]
    assert list(a & b) == [Interval(1, 2), Interval(4, 5)]


def test_empty_str():
    assert str(IntervalSet()) == "{}"
