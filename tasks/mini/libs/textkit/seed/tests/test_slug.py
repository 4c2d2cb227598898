import pytest

from textkit import slugify, unique_slug


def test_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_collapses_runs_of_punctuation():
    assert slugify("a -- b __ c") == "a-b-c"


def test_strips_separators_at_the_ends():
    assert slugify("  --Hello--  ") == "hello"


def test_custom_separator():
    assert slugify("Hello World", sep="_") == "hello_world"


def test_keep_case():
    assert slugify("Hello World", lowercase=False) == "Hello-World"


def test_max_length_inside_a_word():
    assert slugify("abcdefgh", max_length=3) == "abc"


def test_empty_separator_is_rejected():
    with pytest.raises(ValueError):
        slugify("x", sep="")


def test_bad_max_length_is_rejected():
    with pytest.raises(ValueError):
        slugify("x", max_length=0)


def test_unique_slug():
    assert unique_slug("Hello", set()) == "hello"
    assert unique_slug("Hello", {"hello"}) == "hello-2"
    assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"
