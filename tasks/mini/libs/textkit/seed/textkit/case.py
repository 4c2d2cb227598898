"""Conversions between identifier styles (snake_case, camelCase, ...)."""

from .util import normalize_whitespace, split_words

MINOR_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to"]
)


def to_snake(text):
    """``"Hello World"`` -> ``"hello_world"``."""
    return "_".join(word.lower() for word in split_words(text))


def to_kebab(text):
    """``"Hello World"`` -> ``"hello-world"``."""
    return "-".join(word.lower() for word in split_words(text))


def to_constant(text):
    """``"Hello World"`` -> ``"HELLO_WORLD"``."""
    return "_".join(word.upper() for word in split_words(text))


def to_camel(text):
    """``"hello world"`` -> ``"helloWorld"``."""
    words = split_words(text)
    if not words:
        return ""
    return words[0].lower() + "".join(word.capitalize() for word in words[1:])


def to_pascal(text):
    """``"hello world"`` -> ``"HelloWorld"``."""
    return "".join(word.capitalize() for word in split_words(text))


def to_title(text, minor_words=MINOR_WORDS):
    """Title-case a phrase, keeping short function words in lower case.

    The first and the last word are always capitalised.

    >>> to_title("the lord of the rings")
    'The Lord of the Rings'
    """
    words = normalize_whitespace(text).split(" ")
    if words == [""]:
        return ""
    out = []
    last = len(words) - 1
    for i, word in enumerate(words):
        lower = word.lower()
        if 0 < i < last and lower in minor_words:
            out.append(lower)
        else:
            out.append(lower[:1].upper() + lower[1:])
    return " ".join(out)
