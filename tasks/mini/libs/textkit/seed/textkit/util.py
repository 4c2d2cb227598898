"""Helpers shared by the other textkit modules."""

import re

_WS_RE = re.compile(r"\s+")
# A lower-case letter or digit followed by an upper-case letter: "fooBar" -> "foo Bar".
_CAMEL_RE = re.compile(r"([a-z0-9])([A-Z])")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def normalize_whitespace(text):
    """Collapse every run of whitespace into one space and strip both ends.

    >>> normalize_whitespace("  a \\t b\\n")
    'a b'
    """
    return _WS_RE.sub(" ", text).strip()


def split_words(text):
    """Split an identifier or a phrase into its words.

    Underscores, hyphens, spaces and punctuation separate words, and so does a
    change from lower to upper case.

    >>> split_words("fooBar_baz-qux 2")
    ['foo', 'Bar', 'baz', 'qux', '2']
    """
    text = _CAMEL_RE.sub(r"\1 \2", text)
    return _WORD_RE.findall(text)
