import pytest

from textkit import to_camel, to_constant, to_kebab, to_pascal, to_snake, to_title


@pytest.mark.parametrize(
    "src,expected",
    [
        ("hello world", "hello_world"),
        ("helloWorld", "hello_world"),
        ("HelloWorld", "hello_world"),
        ("hello-world", "hello_world"),
        ("version2Update", "version2_update"),
    ],
)
def test_to_snake(src, expected):
    assert to_snake(src) == expected


def test_to_kebab():
    assert to_kebab("fooBar baz") == "foo-bar-baz"


def test_to_constant():
    assert to_constant("max retries") == "MAX_RETRIES"


def test_to_camel():
    assert to_camel("Max_Retries") == "maxRetries"
    assert to_camel("") == ""


def test_to_pascal():
    assert to_pascal("user id") == "UserId"


def test_to_title():
    assert to_title("the lord of the rings") == "The Lord of the Rings"
    assert to_title("  war   and peace ") == "War and Peace"
    assert to_title("") == ""


def test_to_title_last_word_capitalised():
    assert to_title("what it is for") == "What It Is For"
