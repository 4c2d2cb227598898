# History of the csvlite repository after its initial commit (the tree in seed/).
# Read by ../../build_suite.py; see ../textkit/history.py for the format.

HISTORY = [
    {"kind": "tag", "name": "v0.1.0", "message": "csvlite 0.1.0"},
    {
        "kind": "task",
        "number": 3,
        "difficulty": "easy",
        "summary": "an empty last field is lost when the input does not end with a newline",
        "commit": "parse_rows: keep an empty last field at end of input (#3)",
        "problem_statement": """\
parse_rows drops the last empty field when there is no trailing newline

A record ending with a delimiter has an empty last field, and `parse_rows` handles that fine in the middle of a file, but not on the last line when the text doesn't end with a newline:

```python
>>> from csvlite import parse_rows
>>> parse_rows("a,b,\\n")
[['a', 'b', '']]
>>> parse_rows("a,b,")
[['a', 'b']]
>>> parse_rows(",")
[['']]
>>> parse_rows('a,""')
[['a']]
```

Expected `[['a', 'b', '']]`, `[['', '']]` and `[['a', '']]`: the presence of a final newline shouldn't change the number of fields. Python's `csv` module gives the expected results. We hit this with an export tool that doesn't write a final newline; `parse_dicts` then fills the last column with `None` instead of `''`.
""",
        "hints_text": "",
        "patch": [
            ("replace", "csvlite/reader.py",
             '''    if field:
        row.append("".join(field))
    if row:
        rows.append(row)
''',
             '''    if field or row:
        # The last record had no line break after it (it may end with a delimiter).
        row.append("".join(field))
        rows.append(row)
'''),
        ],
        "tests": [
            ("append", "tests/test_reader.py", '''

@pytest.mark.parametrize(
    "text,expected",
    [
        ("a,b,", [["a", "b", ""]]),
        (",", [["", ""]]),
        ('a,""', [["a", ""]]),
        ("x,\\ny,", [["x", ""], ["y", ""]]),
        ("a,b", [["a", "b"]]),
        ("a,b,\\n", [["a", "b", ""]]),
    ],
    ids=["a,b,", ",", "a, empty quoted", "x, newline, y,", "a,b", "a,b, newline"],
)
def test_empty_last_field_at_end_of_input(text, expected):
    assert parse_rows(text) == expected


def test_parse_dicts_empty_last_field():
    assert parse_dicts("x,y\\n1,") == [{"x": "1", "y": ""}]
'''),
        ],
    },
    {
        "kind": "task",
        "number": 5,
        "difficulty": "medium",
        "summary": "writer does not quote fields containing quotes, line breaks or leading spaces",
        "commit": "writer: quote every field the reader would otherwise misread (#5)",
        "problem_statement": """\
format_row output cannot be read back: quotes and newlines are written unquoted

Writing and re-reading a row should give the same row, but:

```python
>>> from csvlite import format_row, format_rows, parse_rows
>>> format_row(['say "hi"', "x"])
'say "hi",x'
>>> format_row(["line1\\nline2", "x"])
'line1\\nline2,x'
>>> parse_rows(format_rows([["line1\\nline2", "x"]]))
[['line1'], ['line2', 'x']]
>>> parse_rows(format_rows([['"quoted" at start']]))
[['quoted at start']]
```

I'd expect fields containing the quote character, `\\n` or `\\r` to be quoted (with inner quotes doubled), e.g. `'"say ""hi""\",x'` and `'"line1\\nline2",x'`, like Python's `csv` module with `QUOTE_MINIMAL`. Only the delimiter currently triggers quoting.

Same kind of issue with `skipinitialspace=True`: `format_row([" padded"], Dialect(skipinitialspace=True))` writes ` padded` unquoted, and a reader using the same dialect reads it back as `padded`.
""",
        "hints_text": "",
        "patch": [
            ("replace", "csvlite/writer.py",
             '''def _needs_quotes(field, d):
    return d.delimiter in field
''',
             '''def _needs_quotes(field, d):
    if any(ch in field for ch in (d.delimiter, d.quotechar, "\\r", "\\n")):
        return True
    # A reader that skips initial spaces would lose them unless quoted.
    return d.skipinitialspace and field.startswith(" ")
'''),
        ],
        "tests": [
            ("append", "tests/test_writer.py", '''

def test_quote_character_is_quoted_and_doubled():
    assert format_row(['say "hi"', "x"]) == '"say ""hi""",x'


def test_line_breaks_are_quoted():
    assert format_row(["line1\\nline2", "x"]) == '"line1\\nline2",x'
    assert format_row(["a\\rb"]) == '"a\\rb"'


def test_leading_space_with_skipinitialspace():
    d = Dialect(skipinitialspace=True)
    assert format_row([" padded", "x"], d) == '" padded",x'
    assert format_row([" padded"]) == " padded"


@pytest.mark.parametrize(
    "row",
    [
        ['say "hi"', "x"],
        ["line1\\nline2", "x"],
        ['"quoted" at start'],
        ["a,b", "c\\r\\nd", ""],
        ["plain", "row"],
    ],
)
def test_roundtrip(row):
    assert parse_rows(format_rows([row])) == [row]
'''),
        ],
    },
    {
        "kind": "chore",
        "message": "README: document the INI helpers",
        "ops": [
            ("replace", "README.md", "Run the tests with `python3 -m pytest`.\n",
             "`loads_ini` lower-cases keys and strips values; `dumps_ini` writes sections in order.\n\n"
             "Run the tests with `python3 -m pytest`.\n"),
        ],
    },
    {"kind": "tag", "name": "v0.1.1", "message": "csvlite 0.1.1"},
    {
        "kind": "task",
        "number": 9,
        "difficulty": "easy",
        "summary": "INI values containing '=' are split at the wrong '='",
        "commit": "loads_ini: split key and value at the first '=' (#9)",
        "problem_statement": """\
loads_ini mangles values that contain "="

```python
>>> from csvlite import loads_ini
>>> loads_ini("[db]\\ndsn = host=db port=5432\\n")
{'db': {'dsn = host': 'db port=5432'}}
```

Expected `{'db': {'dsn': 'host=db port=5432'}}`. Connection strings, base64 padding (`token = abc==`) and URL query strings all contain `=`; the key can never contain one, so the value is everything after the first `=`. Keys and values without extra `=` are parsed fine.
""",
        "hints_text": "",
        "patch": [
            ("replace", "csvlite/ini.py",
             '''        key, _, value = line.rpartition("=")
''',
             '''        key, _, value = line.partition("=")
'''),
        ],
        "tests": [
            ("append", "tests/test_ini.py", '''

@pytest.mark.parametrize(
    "line,key,value",
    [
        ("dsn = host=db port=5432", "dsn", "host=db port=5432"),
        ("token = abc==", "token", "abc=="),
        ("eq=a=b=c", "eq", "a=b=c"),
        ("plain = value", "plain", "value"),
    ],
)
def test_value_may_contain_equals_sign(line, key, value):
    assert loads_ini("[s]\\n" + line + "\\n") == {"s": {key: value}}


def test_roundtrip_value_with_equals_sign():
    data = {"db": {"dsn": "host=db port=5432"}}
    assert loads_ini(dumps_ini(data)) == data
'''),
        ],
    },
    {
        "kind": "task",
        "number": 12,
        "difficulty": "hard",
        "summary": "keyword format parameters (delimiter=..., quotechar=...) are silently ignored",
        "commit": "Honour keyword format parameters in reader, writer and get_dialect (#12)",
        "problem_statement": """\
delimiter= / quotechar= keyword arguments are silently ignored

The docs of `get_dialect` say that keyword arguments override single attributes, and `parse_rows`, `format_row`, `format_rows`, `parse_dicts` and `format_dicts` all accept `**fmtparams`, but none of them has any effect:

```python
>>> from csvlite import parse_rows, format_row, format_rows, get_dialect
>>> parse_rows("a;b\\n1;2\\n", delimiter=";")
[['a;b'], ['1;2']]
>>> format_row(["a", "b;c"], delimiter=";")
'a,b;c'
>>> format_rows([["a"]], lineterminator="\\n")
'a\\r\\n'
>>> get_dialect("excel", delimiter="|").delimiter
','
>>> parse_rows("a", delimiter="ab")      # not even validated
[['a']]
```

Expected `[['a', 'b'], ['1', '2']]`, `'a;"b;c"'`, `'a\\n'`, `'|'`, and a `CsvError` for the invalid delimiter (as `Dialect(delimiter="ab")` raises). Overrides should apply on top of the named dialect (`get_dialect("unix", delimiter=";")` keeps the `"\\n"` line terminator) and must not change the registered dialect itself. Passing a whole `Dialect` object works as a workaround.
""",
        "hints_text": "",
        "patch": [
            ("replace", "csvlite/dialect.py",
             '''            raise CsvError(f"unknown dialect {dialect!r}") from None
    return base
''',
             '''            raise CsvError(f"unknown dialect {dialect!r}") from None
    if overrides:
        base = base.replace(**overrides)
    return base
'''),
            ("replace", "csvlite/reader.py",
             '''    d = get_dialect(dialect)
''',
             '''    d = get_dialect(dialect, **fmtparams)
'''),
            ("replace", "csvlite/writer.py",
             '''    """
    d = get_dialect(dialect)
    return d.delimiter.join(_quote(value, d) for value in row)
''',
             '''    """
    d = get_dialect(dialect, **fmtparams)
    return d.delimiter.join(_quote(value, d) for value in row)
'''),
            ("replace", "csvlite/writer.py",
             '''    """Format records, each followed by the dialect's line terminator."""
    d = get_dialect(dialect)
''',
             '''    """Format records, each followed by the dialect's line terminator."""
    d = get_dialect(dialect, **fmtparams)
'''),
        ],
        "tests": [
            ("append", "tests/test_reader.py", '''

@pytest.mark.parametrize(
    "text,params,expected",
    [
        ("a;b\\n1;2\\n", {"delimiter": ";"}, [["a", "b"], ["1", "2"]]),
        ("a|'b|c'\\n", {"delimiter": "|", "quotechar": "'"}, [["a", "b|c"]]),
        ("a, b\\n", {"skipinitialspace": True}, [["a", "b"]]),
        ("a,b\\n", {}, [["a", "b"]]),
    ],
    ids=["semicolon", "pipe, single quote", "skip initial space", "no params"],
)
def test_parse_rows_fmtparams(text, params, expected):
    assert parse_rows(text, **params) == expected


def test_parse_rows_fmtparams_override_dialect():
    assert parse_rows("a\\tb;c\\n", "excel-tab", delimiter=";") == [["a\\tb", "c"]]


def test_parse_rows_invalid_fmtparams():
    with pytest.raises(CsvError):
        parse_rows("a", delimiter="ab")


def test_parse_dicts_fmtparams():
    assert parse_dicts("x;y\\n1;2\\n", delimiter=";") == [{"x": "1", "y": "2"}]
'''),
            ("append", "tests/test_writer.py", '''

def test_format_row_fmtparams():
    assert format_row(["a", "b;c"], delimiter=";") == 'a;"b;c"'
    assert format_row(["a", "b c"], delimiter=" ", quotechar="'") == "a 'b c'"


def test_format_rows_fmtparams():
    assert format_rows([["a"]], lineterminator="\\n") == "a\\n"
    assert format_rows([["a", "b"]], "unix", delimiter=";") == "a;b\\n"


def test_format_dicts_fmtparams():
    assert format_dicts([{"x": 1, "y": 2}], ["x", "y"], delimiter="\\t") == "x\\ty\\r\\n1\\t2\\r\\n"
'''),
            ("append", "tests/test_dialect.py", '''

def test_get_dialect_overrides():
    assert get_dialect("excel", delimiter="|").delimiter == "|"
    unix_semicolon = get_dialect("unix", delimiter=";")
    assert (unix_semicolon.delimiter, unix_semicolon.lineterminator) == (";", "\\n")
    assert get_dialect(Dialect(), quotechar="'").quotechar == "'"


def test_get_dialect_overrides_do_not_change_the_registry():
    get_dialect("excel", delimiter="|")
    assert get_dialect("excel").delimiter == ","


def test_get_dialect_invalid_override():
    with pytest.raises(CsvError):
        get_dialect(delimiter="ab")
'''),
        ],
    },
    {"kind": "tag", "name": "v0.2.0", "message": "csvlite 0.2.0"},
    {
        "kind": "chore",
        "message": "Bump version to 0.2.0",
        "ops": [
            ("replace", "csvlite/__init__.py", '__version__ = "0.1.0"\n', '__version__ = "0.2.0"\n'),
        ],
    },
]
