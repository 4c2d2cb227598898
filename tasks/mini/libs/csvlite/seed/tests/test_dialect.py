import pytest

from csvlite import CsvError, Dialect, get_dialect, list_dialects, register_dialect


def test_defaults():
    d = Dialect()
    assert (d.delimiter, d.quotechar, d.lineterminator, d.skipinitialspace) == (",", '"', "\r\n", False)


@pytest.mark.parametrize(
    "kwargs",
    [{"delimiter": ""}, {"delimiter": ",,"}, {"quotechar": ","}, {"delimiter": "\n"}, {"lineterminator": ";"}],
)
def test_invalid(kwargs):
    with pytest.raises(CsvError):
        Dialect(**kwargs)


def test_replace():
    assert Dialect().replace(delimiter=";") == Dialect(delimiter=";")
    with pytest.raises(TypeError):
        Dialect().replace(nope=1)


def test_get_dialect():
    assert get_dialect() == Dialect()
    assert get_dialect("excel-tab").delimiter == "\t"
    d = Dialect(delimiter="|")
    assert get_dialect(d) is d
    with pytest.raises(CsvError):
        get_dialect("nope")


def test_register():
    register_dialect("pipes", delimiter="|")
    assert "pipes" in list_dialects()
    assert get_dialect("pipes").delimiter == "|"
