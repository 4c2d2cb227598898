import pytest

from semverx import InvalidVersion, Version, sort_versions


def test_parse_full():
    v = Version.parse("1.2.3-rc.1+build.5")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ("rc", "1")
    assert v.build == ("build", "5")
    assert v.is_prerelease


def test_parse_leading_v_and_spaces():
    assert Version.parse(" v1.0.0 ") == Version(1, 0, 0)


@pytest.mark.parametrize("text", ["1", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "a.b.c", "1.2.3.4"])
def test_parse_invalid(text):
    with pytest.raises(InvalidVersion):
        Version.parse(text)


def test_str_roundtrip():
    for text in ["0.0.0", "1.2.3", "1.2.3-alpha", "1.2.3-alpha.1+sha.abc", "10.20.30+meta"]:
        assert str(Version.parse(text)) == text


def test_repr():
    assert repr(Version(1, 2, 3)) == "Version('1.2.3')"


def test_invalid_components():
    with pytest.raises(InvalidVersion):
        Version(-1, 0, 0)
    with pytest.raises(InvalidVersion):
        Version(1, "2", 0)


def test_core_ordering():
    assert Version.parse("1.0.0") < Version.parse("2.0.0")
    assert Version.parse("2.0.0") < Version.parse("2.1.0")
    assert Version.parse("2.1.0") < Version.parse("2.1.1")
    assert Version.parse("1.10.0") > Version.parse("1.9.0")


def test_prerelease_before_release():
    assert Version.parse("1.0.0-alpha") < Version.parse("1.0.0")
    assert Version.parse("1.0.0-rc.1") < "1.0.0"


def test_prerelease_ordering_from_the_spec():
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-rc.1", "1.0.0"]
    versions = [Version.parse(t) for t in chain]
    assert versions == sorted(versions)


def test_compare_with_strings():
    assert Version.parse("1.2.3") == "1.2.3"
    assert Version.parse("1.2.3") != "1.2.4"
    assert Version.parse("1.2.3") != 5


def test_hash():
    assert len({Version.parse("1.2.3"), Version(1, 2, 3), Version.parse("1.2.4")}) == 2


def test_bump_release():
    v = Version.parse("1.2.3")
    assert str(v.bump_major()) == "2.0.0"
    assert str(v.bump_minor()) == "1.3.0"
    assert str(v.bump_patch()) == "1.2.4"


def test_sort_versions():
    assert sort_versions(["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.9"]) == ["0.9.9", "1.2.0-rc.1", "1.2.0", "1.10.0"]
    assert sort_versions(["1.0.0", "2.0.0"], reverse=True) == ["2.0.0", "1.0.0"]
