import math

import pytest

from intervals import Interval, IntervalSet, parse_interval, parse_set


def test_parse_half_open():
    assert parse_interval("[0, 1)") == Interval.closed_open(0, 1)


def test_parse_open():
    assert parse_interval("(2.5, inf)") == Interval.open(2.5, math.inf)


def test_parse_whitespace():
    assert parse_interval("  ( -1 ,2 )  ") == Interval.open(-1, 2)


@pytest.mark.parametrize("text", ["", "[1 2)", "[a, b)", "{0, 1}"])
def test_parse_errors(text):
    with pytest.raises(ValueError):
        parse_interval(text)


def test_roundtrip_half_open():
    assert str(parse_interval("[0, 10)")) == "[0, 10)"


def test_parse_set():
    assert parse_set("[0, 1) | (2, 3)") == IntervalSet([Interval.closed_open(0, 1), Interval.open(2, 3)])
    assert parse_set("{}") == IntervalSet()


def test_interval_parse_alias():
    assert Interval.parse("[0, 1)") == Interval.closed_open(0, 1)
