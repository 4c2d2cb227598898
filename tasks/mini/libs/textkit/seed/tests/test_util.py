from textkit import normalize_whitespace, split_words


def test_normalize_whitespace():
    assert normalize_whitespace("  a \t b\n\nc ") == "a b c"


def test_split_words_mixed_separators():
    assert split_words("fooBar_baz-qux 2") == ["foo", "Bar", "baz", "qux", "2"]


def test_split_words_empty():
    assert split_words("") == []
    assert split_words("__--  ") == []
