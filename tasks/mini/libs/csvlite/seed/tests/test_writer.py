import pytest

from csvlite import Dialect, format_dicts, format_row, format_rows, parse_rows


def test_format_row():
    assert format_row(["a", "b", 3]) == "a,b,3"


def test_none_is_empty():
    assert format_row(["a", None, ""]) == "a,,"


def test_delimiter_is_quoted():
    assert format_row(["a", "b,c"]) == 'a,"b,c"'


def test_format_rows_uses_lineterminator():
    assert format_rows([["a"], ["b"]]) == "a\r\nb\r\n"
    assert format_rows([["a"], ["b"]], "unix") == "a\nb\n"


def test_dialect_object():
    assert format_row(["a", "b;c"], Dialect(delimiter=";")) == 'a;"b;c"'


def test_format_dicts():
    records = [{"name": "ann", "age": 31}, {"name": "bob"}]
    assert format_dicts(records, ["name", "age"], "unix") == "name,age\nann,31\nbob,\n"


def test_format_dicts_unknown_field():
    with pytest.raises(ValueError):
        format_dicts([{"x": 1}], ["y"])


def test_roundtrip_simple():
    rows = [["a", "b,c", "d"], ["1", "2", "3"]]
    assert parse_rows(format_rows(rows)) == rows
