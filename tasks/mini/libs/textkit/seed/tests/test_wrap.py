import pytest

from textkit import fill, indent, truncate, wrap


def test_wrap_basic():
    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]


def test_wrap_splits_long_words():
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_wrap_empty():
    assert wrap("   ", 5) == []


def test_wrap_rejects_zero_width():
    with pytest.raises(ValueError):
        wrap("x", 0)


def test_fill():
    assert fill("the quick brown fox", 10) == "the quick\nbrown fox"


def test_truncate_short_text_unchanged():
    assert truncate("hello world", 20) == "hello world"


def test_truncate():
    assert truncate("hello world", 8) == "hello..."


def test_truncate_word_boundary():
    assert truncate("hello wonderful world", 15, word_boundary=True) == "hello..."


def test_truncate_tiny_width():
    assert truncate("hello", 2) == ".."


def test_indent():
    assert indent("a\n\nb\n", "> ") == "> a\n\n> b\n"
    assert indent("a\n\nb", "> ", skip_blank=False) == "> a\n> \n> b"
