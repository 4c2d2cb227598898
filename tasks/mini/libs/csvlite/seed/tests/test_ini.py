import pytest

from csvlite import IniError, dumps_ini, loads_ini


def test_sections_and_keys():
    text = "[server]\nHost = example.org\nport=8080\n\n[client]\nretries = 3\n"
    assert loads_ini(text) == {"server": {"host": "example.org", "port": "8080"}, "client": {"retries": "3"}}


def test_comments_and_blank_lines():
    text = "# top\n; also a comment\n[a]\n\n  # indented comment\nx = 1\n"
    assert loads_ini(text) == {"a": {"x": "1"}}


def test_default_section():
    assert loads_ini("x = 1\n[s]\ny = 2\n") == {"DEFAULT": {"x": "1"}, "s": {"y": "2"}}


def test_empty_value():
    assert loads_ini("[s]\nx =\n") == {"s": {"x": ""}}


@pytest.mark.parametrize("text", ["[s\nx = 1\n", "[]\n", "[s]\njust words\n", "[s]\n= 1\n"])
def test_errors(text):
    with pytest.raises(IniError):
        loads_ini(text)


def test_error_line_number():
    with pytest.raises(IniError) as info:
        loads_ini("[s]\nx = 1\noops\n")
    assert info.value.lineno == 3


def test_dumps():
    data = {"a": {"x": "1"}, "b": {"y": "two words"}}
    assert dumps_ini(data) == "[a]\nx = 1\n\n[b]\ny = two words\n"
    assert loads_ini(dumps_ini(data)) == data
