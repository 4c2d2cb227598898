# History of the textkit repository after its initial commit (the tree in seed/).
# Read by ../../build_suite.py. Ops: ("replace", path, old, new) with `old` occurring
# exactly once, ("append", path, text), ("create", path, text).

HISTORY = [
    {"kind": "tag", "name": "v0.1.0", "message": "textkit 0.1.0"},
    {
        "kind": "task",
        "number": 3,
        "difficulty": "easy",
        "summary": "slugify(max_length=...) can leave a trailing separator",
        "commit": "Do not end a truncated slug with the separator (#3)",
        "problem_statement": """\
slugify with max_length sometimes returns a slug that ends with "-"

I use `slugify` to build URL paths with a length cap, and some of the generated URLs end with a dash:

```python
>>> from textkit import slugify
>>> slugify("hello world foo", max_length=6)
'hello-'
>>> slugify("a b c d", max_length=2)
'a-'
```

I expected `'hello'` and `'a'`. The docstring says the slug never starts or ends with the separator, and without `max_length` that holds (`slugify("  --Hello--  ")` gives `'hello'`), so it looks like only the length cap breaks it. The same happens with a custom `sep`, e.g. `slugify("ab cd", sep="_", max_length=3)` gives `'ab_'`.

textkit 0.1.0, Python 3.11.
""",
        "hints_text": "",
        "patch": [
            ("replace", "textkit/slug.py",
             "        slug = slug[:max_length]\n",
             "        slug = slug[:max_length].rstrip(sep)\n"),
        ],
        "tests": [
            ("append", "tests/test_slug.py", '''

@pytest.mark.parametrize(
    "text,max_length,expected",
    [
        ("hello world foo", 6, "hello"),
        ("hello world foo", 11, "hello-world"),
        ("a b c d", 2, "a"),
        ("a b c d", 3, "a-b"),
    ],
)
def test_max_length_never_ends_with_separator(text, max_length, expected):
    assert slugify(text, max_length=max_length) == expected


def test_max_length_with_custom_separator():
    assert slugify("ab cd", sep="_", max_length=3) == "ab"
'''),
        ],
    },
    {
        "kind": "chore",
        "message": "README: add a usage example",
        "ops": [
            ("replace", "README.md", "Run the tests with `python3 -m pytest`.\n", '''## Example

```python
from textkit import slugify, to_snake, wrap

slugify("Hello, World!")        # 'hello-world'
to_snake("userId")              # 'user_id'
wrap("the quick brown fox", 10) # ['the quick', 'brown fox']
```

Run the tests with `python3 -m pytest`.
'''),
        ],
    },
    {
        "kind": "task",
        "number": 7,
        "difficulty": "easy",
        "summary": "wrap() breaks lines that would fit the width exactly",
        "commit": "wrap: a line may be exactly `width` characters long (#7)",
        "problem_statement": """\
wrap() starts a new line too early

`wrap` never produces a line that is exactly `width` characters long, even when the words fit:

```python
>>> from textkit import wrap, fill
>>> wrap("aaa bbb ccc", 7)
['aaa', 'bbb', 'ccc']
>>> wrap("one two", 7)
['one', 'two']
```

Expected `['aaa bbb', 'ccc']` and `['one two']`: "aaa bbb" is 7 characters, which is within a width of 7. `textwrap.wrap` from the standard library gives the expected result for both. `fill` has the same problem since it uses `wrap`.
""",
        "hints_text": "",
        "patch": [
            ("replace", "textkit/wrap.py",
             "        elif len(current) + 1 + len(word) < width:\n",
             "        elif len(current) + 1 + len(word) <= width:\n"),
        ],
        "tests": [
            ("append", "tests/test_wrap.py", '''

@pytest.mark.parametrize(
    "text,width,expected",
    [
        ("aaa bbb ccc", 7, ["aaa bbb", "ccc"]),
        ("one two", 7, ["one two"]),
        ("ab cd ef", 5, ["ab cd", "ef"]),
        ("ab cd ef", 6, ["ab cd", "ef"]),
    ],
)
def test_wrap_line_may_fill_the_width_exactly(text, width, expected):
    assert wrap(text, width) == expected


def test_fill_exact_width():
    assert fill("aaa bbb ccc", 7) == "aaa bbb\\nccc"
'''),
        ],
    },
    {"kind": "tag", "name": "v0.1.1", "message": "textkit 0.1.1"},
    {
        "kind": "task",
        "number": 11,
        "difficulty": "medium",
        "summary": "case conversions glue an acronym to the following word",
        "commit": "split_words: treat runs of capitals as one word (#11)",
        "problem_statement": """\
to_snake / to_kebab glue acronyms to the following word

Converting identifiers that contain an acronym gives wrong results:

```python
>>> from textkit import to_snake, to_kebab, split_words
>>> to_snake("HTTPServer")
'httpserver'
>>> to_snake("getHTTPResponseCode")
'get_httpresponse_code'
>>> to_kebab("JSONParser")
'jsonparser'
>>> split_words("IOError")
['IOError']
```

I expected `'http_server'`, `'get_http_response_code'`, `'json-parser'` and `['IO', 'Error']`: a run of capitals is one word, and the last capital of the run starts the next word when it is followed by a lower-case letter (that is what e.g. inflection and most other case libraries do). Plain camelCase like `"simpleCase"` works fine.
""",
        "hints_text": "The word splitting lives in textkit/util.py; every case conversion goes through it.",
        "patch": [
            ("replace", "textkit/util.py",
             '''# A lower-case letter or digit followed by an upper-case letter: "fooBar" -> "foo Bar".
_CAMEL_RE = re.compile(r"([a-z0-9])([A-Z])")
''',
             '''# A lower-case letter or digit followed by an upper-case letter: "fooBar" -> "foo Bar".
_CAMEL_RE = re.compile(r"([a-z0-9])([A-Z])")
# The end of a run of capitals: "HTTPServer" -> "HTTP Server".
_ACRONYM_RE = re.compile(r"([A-Z]+)([A-Z][a-z])")
'''),
            ("replace", "textkit/util.py",
             '''    text = _CAMEL_RE.sub(r"\\1 \\2", text)
''',
             '''    text = _ACRONYM_RE.sub(r"\\1 \\2", text)
    text = _CAMEL_RE.sub(r"\\1 \\2", text)
'''),
        ],
        "tests": [
            ("append", "tests/test_case.py", '''

@pytest.mark.parametrize(
    "src,expected",
    [
        ("HTTPServer", "http_server"),
        ("getHTTPResponseCode", "get_http_response_code"),
        ("parseXMLFile", "parse_xml_file"),
        ("simpleCase", "simple_case"),
        ("URL", "url"),
    ],
)
def test_to_snake_acronyms(src, expected):
    assert to_snake(src) == expected


def test_to_kebab_acronym():
    assert to_kebab("JSONParser") == "json-parser"
'''),
            ("append", "tests/test_util.py", '''

def test_split_words_acronym():
    assert split_words("IOError") == ["IO", "Error"]
    assert split_words("loadHTMLPage") == ["load", "HTML", "Page"]
'''),
        ],
    },
    {
        "kind": "chore",
        "message": "Add a CHANGELOG",
        "ops": [
            ("create", "CHANGELOG.md", '''# Changelog

## 0.1.1

* `slugify(max_length=...)` no longer ends a slug with the separator.
* `wrap` fills lines up to the full width.

## 0.1.0

* First release.
'''),
        ],
    },
    {
        "kind": "task",
        "number": 14,
        "difficulty": "hard",
        "summary": "accented letters are dropped by slugify and split apart by the case conversions",
        "commit": "Handle non-ASCII letters in slugify and split_words (#14)",
        "problem_statement": """\
Accented letters get mangled (slugify drops them, to_snake splits words at them)

We have a French recipe site and both the slugs and the generated identifiers come out wrong for anything with an accent:

```python
>>> from textkit import slugify, to_snake, split_words
>>> slugify("Crème Brûlée")
'crme-brle'
>>> slugify("Ångström unit")
'ngstrm-unit'
>>> to_snake("Crème Brûlée")
'cr_me_br_l_e'
>>> split_words("über-cool straße")
['ber', 'cool', 'stra', 'e']
```

What I expected:

* `slugify` should transliterate to the closest ASCII letters rather than delete them: `'creme-brulee'`, `'angstrom-unit'`, `slugify("naïve café")` -> `'naive-cafe'` (this is what python-slugify / Django's `slugify` produce).
* The case conversions don't need ASCII at all, they should just keep the letters: `to_snake("Crème Brûlée")` -> `'crème_brûlée'` and `split_words("über-cool straße")` -> `['über', 'cool', 'straße']`.

Pure ASCII input is fine in both cases.
""",
        "hints_text": "",
        "patch": [
            ("replace", "textkit/slug.py",
             "import re\n",
             "import re\nimport unicodedata\n"),
            ("replace", "textkit/slug.py",
             '''    text = text.encode("ascii", "ignore").decode("ascii")
''',
             '''    # Decompose accented letters ("é" -> "e" + combining accent) so that the
    # ASCII round trip keeps the base letter.
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii")
'''),
            ("replace", "textkit/util.py",
             '''_WORD_RE = re.compile(r"[A-Za-z0-9]+")
''',
             '''# Letters and digits of any script (\\w without the underscore).
_WORD_RE = re.compile(r"[^\\W_]+")
'''),
        ],
        "tests": [
            ("append", "tests/test_slug.py", '''

@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("Crème Brûlée", "creme-brulee", id="creme brulee"),
        pytest.param("Ångström unit", "angstrom-unit", id="angstrom unit"),
        pytest.param("naïve café", "naive-cafe", id="naive, cafe"),
        pytest.param("plain ascii", "plain-ascii", id="plain ascii"),
    ],
)
def test_accented_letters_are_transliterated(text, expected):
    assert slugify(text) == expected
'''),
            ("append", "tests/test_case.py", '''

def test_to_snake_keeps_accented_letters():
    assert to_snake("Crème Brûlée") == "crème_brûlée"


def test_to_pascal_non_ascii():
    assert to_pascal("élan vital") == "ÉlanVital"
'''),
            ("append", "tests/test_util.py", '''

def test_split_words_non_ascii():
    assert split_words("über-cool straße") == ["über", "cool", "straße"]
'''),
        ],
    },
    {
        "kind": "task",
        "number": 18,
        "difficulty": "medium",
        "summary": "truncate(word_boundary=True) drops a character when the text has no space",
        "commit": "truncate: fall back to a hard cut when there is no word boundary (#18)",
        "problem_statement": """\
truncate(..., word_boundary=True) loses a character on single long words

```python
>>> from textkit import truncate
>>> truncate("Supercalifragilistic", 10)
'Superca...'
>>> truncate("Supercalifragilistic", 10, word_boundary=True)
'Superc...'
```

When there is no space to cut at, I'd expect `word_boundary=True` to fall back to the same hard cut as `word_boundary=False` (`'Superca...'`), not to eat one more character. The result is also shorter than it needs to be for URLs like `truncate("https://example.com/a-very-long-path", 20, word_boundary=True)`.

Cutting at a space still works as documented (`truncate("hello wonderful world", 15, word_boundary=True)` -> `'hello...'`).
""",
        "hints_text": "",
        "patch": [
            ("replace", "textkit/wrap.py",
             '''        space = cut.rfind(" ")
        cut = cut[:space]
''',
             '''        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
'''),
        ],
        "tests": [
            ("append", "tests/test_wrap.py", '''

@pytest.mark.parametrize(
    "text,width,expected",
    [
        ("Supercalifragilistic", 10, "Superca..."),
        ("https://example.com/a-very-long-path", 20, "https://example.c..."),
        ("hello wonderful world", 15, "hello..."),
    ],
)
def test_truncate_word_boundary_without_spaces(text, width, expected):
    assert truncate(text, width, word_boundary=True) == expected
'''),
        ],
    },
    {"kind": "tag", "name": "v0.2.0", "message": "textkit 0.2.0"},
    {
        "kind": "chore",
        "message": "Bump version to 0.2.0.dev0",
        "ops": [
            ("replace", "textkit/__init__.py", '__version__ = "0.1.0"\n', '__version__ = "0.2.0.dev0"\n'),
        ],
    },
]
