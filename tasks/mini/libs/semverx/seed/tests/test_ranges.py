import pytest

from semverx import InvalidRange, Range, max_satisfying, satisfies


@pytest.mark.parametrize(
    "range_text,inside,outside",
    [
        ("^1.2.3", ["1.2.3", "1.9.9", "1.2.10"], ["1.2.2", "2.0.0", "0.9.0"]),
        ("~1.2.3", ["1.2.3", "1.2.99"], ["1.3.0", "1.2.2"]),
        ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0", "1.1.9"]),
        ("1.x", ["1.0.0", "1.99.0"], ["2.0.0", "0.9.0"]),
        ("1.2", ["1.2.0", "1.2.9"], ["1.3.0"]),
        ("*", ["0.0.1", "9.9.9"], []),
        (">=1.2.3", ["1.2.3", "5.0.0"], ["1.2.2"]),
        (">1.2.3", ["1.2.4"], ["1.2.3"]),
        ("<1.2.3", ["1.2.2"], ["1.2.3"]),
        ("<=1.2.3", ["1.2.3"], ["1.2.4"]),
        (">1.2", ["1.3.0"], ["1.2.9"]),
        ("<=1.2", ["1.2.9"], ["1.3.0"]),
        (">=1.0.0 <2.0.0", ["1.5.0"], ["2.0.0", "0.1.0"]),
        ("1.2.3", ["1.2.3"], ["1.2.4"]),
        ("=1.2.3", ["1.2.3"], ["1.2.4"]),
    ],
)
def test_contains(range_text, inside, outside):
    r = Range(range_text)
    for v in inside:
        assert r.contains(v), v
    for v in outside:
        assert not r.contains(v), v


def test_or():
    r = Range("^1.0.0 || >=3.0.0")
    assert "1.5.0" in r
    assert "3.1.0" in r
    assert "2.5.0" not in r


def test_space_after_operator():
    assert Range(">= 1.2.3 < 2").contains("1.5.0")
    assert not Range(">= 1.2.3 < 2").contains("2.0.0")


def test_invalid_version_is_not_contained():
    assert not Range("*").contains("not-a-version")


@pytest.mark.parametrize("text", ["^", ">=1.2.3.4", "~x.y", "1.2-rc.1", "abc"])
def test_invalid_ranges(text):
    with pytest.raises(InvalidRange):
        Range(text)


def test_str():
    assert str(Range("^1.2.3")) == ">=1.2.3 <2.0.0"
    assert str(Range("*")) == "*"


def test_satisfies_and_max_satisfying():
    assert satisfies("1.4.0", "^1.2.0")
    assert not satisfies("2.0.0", "^1.2.0")
    assert max_satisfying(["1.2.0", "1.10.0", "2.0.0", "1.9.0"], "^1.0.0") == "1.10.0"
    assert max_satisfying(["3.0.0"], "^1.0.0") is None
