import pytest

from csvlite import CsvError, Dialect, parse_dicts, parse_rows


def test_simple():
    assert parse_rows("a,b\n1,2\n") == [["a", "b"], ["1", "2"]]


def test_no_final_newline():
    assert parse_rows("a,b\n1,2") == [["a", "b"], ["1", "2"]]


def test_line_endings():
    assert parse_rows("a\r\nb\rc\n") == [["a"], ["b"], ["c"]]


def test_empty_fields_in_the_middle():
    assert parse_rows("a,,c\n,b,\n") == [["a", "", "c"], ["", "b", ""]]


def test_quoted_fields():
    assert parse_rows('a,"b,c"\n') == [["a", "b,c"]]
    assert parse_rows('"x ""y"" z",1\n') == [['x "y" z', "1"]]
    assert parse_rows('"multi\nline",2\n') == [["multi\nline", "2"]]


def test_quote_inside_unquoted_field_is_literal():
    assert parse_rows('ab"c,d\n') == [['ab"c', "d"]]


def test_unterminated_quote():
    with pytest.raises(CsvError):
        parse_rows('"abc\n')


def test_dialect_object():
    assert parse_rows("a;b\n", Dialect(delimiter=";")) == [["a", "b"]]


def test_dialect_by_name():
    assert parse_rows("a\tb\n", "excel-tab") == [["a", "b"]]


def test_skipinitialspace():
    d = Dialect(skipinitialspace=True)
    assert parse_rows('a, b,  "c, d"\n', d) == [["a", "b", "c, d"]]


def test_empty_input():
    assert parse_rows("") == []


def test_parse_dicts():
    text = "name,age\nann,31\nbob\n"
    assert parse_dicts(text) == [{"name": "ann", "age": "31"}, {"name": "bob", "age": None}]


def test_parse_dicts_explicit_fieldnames():
    assert parse_dicts("1,2\n", fieldnames=["x", "y"]) == [{"x": "1", "y": "2"}]


def test_parse_dicts_too_many_fields():
    with pytest.raises(CsvError):
        parse_dicts("a\n1,2\n")
