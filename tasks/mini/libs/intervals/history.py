# History of the intervals repository after its initial commit (the tree in seed/).
# Read by ../../build_suite.py; see ../textkit/history.py for the format.

HISTORY = [
    {"kind": "tag", "name": "v0.1.0", "message": "intervals 0.1.0"},
    {
        "kind": "task",
        "number": 2,
        "difficulty": "easy",
        "summary": "parse_interval ignores a closing ']' (upper bound always open)",
        "commit": "parse_interval: honour a closed upper bound (#2)",
        "problem_statement": """\
parse_interval("[0, 10]") gives a half-open interval

The upper bound is always parsed as open, whatever bracket closes the interval:

```python
>>> from intervals import parse_interval
>>> iv = parse_interval("[0, 10]")
>>> iv
Interval.parse('[0, 10)')
>>> 10 in iv
False
>>> parse_interval("[3, 3]")
Traceback (most recent call last):
  ...
ValueError: a single-point interval must be closed at both ends
```

Expected `[0, 10]` to contain 10, and `str(parse_interval(text)) == text` for any well-formed text, like it already does for `"[0, 10)"` and `"(2.5, inf)"`. Lower bounds are fine: `"(1, 2)"` and `"[1, 2)"` both come back right.
""",
        "hints_text": "",
        "patch": [
            ("replace", "intervals/parse.py",
             '''lo_closed=left == "[", hi_closed=right == "[")''',
             '''lo_closed=left == "[", hi_closed=right == "]")'''),
        ],
        "tests": [
            ("append", "tests/test_parse.py", '''

@pytest.mark.parametrize("text", ["[0, 10]", "(1.5, 2]", "[3, 3]", "[-inf, 0]", "[0, 10)", "(0, 1)"])
def test_roundtrip(text):
    assert str(parse_interval(text)) == text


def test_closed_upper_bound_contains_end_point():
    assert 10 in parse_interval("[0, 10]")
    assert parse_set("[0, 1] | [2, 3]") == IntervalSet([Interval(0, 1), Interval(2, 3)])
'''),
        ],
    },
    {
        "kind": "task",
        "number": 5,
        "difficulty": "medium",
        "summary": "Interval.overlaps is false for intervals sharing a closed end point",
        "commit": "overlaps: intervals that share a closed end point overlap (#5)",
        "problem_statement": """\
Interval.overlaps() returns False for [1, 3] and [3, 5]

Both intervals contain 3, so I'd expect them to overlap, but:

```python
>>> from intervals import Interval, IntervalSet
>>> Interval(1, 3).overlaps(Interval(3, 5))
False
>>> Interval.point(2).overlaps(Interval.closed_open(2, 4))
False
>>> 3 in Interval(1, 3) and 3 in Interval(3, 5)
True
```

Because of this, an `IntervalSet` built from `[1, 3]` and `[3, 5]` keeps two pieces instead of `[1, 5]`:

```python
>>> str(IntervalSet([Interval(1, 3), Interval(3, 5)]))
'[1, 3] | [3, 5]'
```

Intervals touching at an *open* end (`[1, 3)` and `[3, 5]`) really don't share a point, and `overlaps` should keep returning False for those.
""",
        "hints_text": "",
        "patch": [
            ("replace", "intervals/interval.py",
             '''        """True if the two intervals have at least one point in common."""
        return self.lo < other.hi and other.lo < self.hi
''',
             '''        """True if the two intervals have at least one point in common."""
        if self.lo > other.hi or other.lo > self.hi:
            return False
        # Intervals that meet at one end share that point only if both contain it.
        if self.hi == other.lo:
            return self.hi_closed and other.lo_closed
        if other.hi == self.lo:
            return other.hi_closed and self.lo_closed
        return True
'''),
        ],
        "tests": [
            ("replace", "tests/test_interval.py",
             "from intervals import Interval\n",
             "from intervals import Interval, parse_interval\n"),
            ("append", "tests/test_interval.py", '''

@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("[1, 3]", "[3, 5]", True),
        ("[3, 5]", "[1, 3]", True),
        ("[2, 2]", "[2, 4)", True),
        ("[1, 3)", "[3, 5]", False),
        ("[1, 3]", "(3, 5]", False),
        ("[0, 5]", "[3, 8]", True),
    ],
)
def test_overlaps_at_a_shared_end_point(a, b, expected):
    assert parse_interval(a).overlaps(parse_interval(b)) is expected
'''),
            ("append", "tests/test_intervalset.py", '''

def test_add_merges_intervals_sharing_an_end_point():
    s = IntervalSet([Interval(1, 3), Interval(3, 5)])
    assert list(s) == [Interval(1, 5)]
'''),
        ],
    },
    {
        "kind": "chore",
        "message": "Add a Makefile with a test target",
        "ops": [
            ("create", "Makefile", "test:\n\tpython3 -m pytest\n\n.PHONY: test\n"),
        ],
    },
    {
        "kind": "task",
        "number": 9,
        "difficulty": "easy",
        "summary": "intersection of intervals meeting at an open end raises ValueError",
        "commit": "intersection: return None for intervals meeting at an open end (#9)",
        "problem_statement": """\
Interval.intersection raises ValueError instead of returning None

The docstring says `intersection` returns `None` when the intervals have no point in common, and it does for intervals with a gap between them. But when they meet at an end point that only one of them contains, it blows up:

```python
>>> from intervals import Interval
>>> Interval(0, 1).intersection(Interval(2, 3)) is None
True
>>> Interval.closed_open(1, 3).intersection(Interval(3, 5))
Traceback (most recent call last):
  ...
ValueError: a single-point interval must be closed at both ends
```

This also breaks `IntervalSet.__and__`:

```python
>>> from intervals import IntervalSet
>>> IntervalSet.parse("[0, 1)") & IntervalSet.parse("[1, 2]")
ValueError: a single-point interval must be closed at both ends
```

Expected `None` and an empty set.
""",
        "hints_text": "",
        "patch": [
            ("replace", "intervals/interval.py",
             '''        if lo > hi:
            return None
        return Interval(lo, hi, lo_closed, hi_closed)
''',
             '''        if lo > hi or (lo == hi and not (lo_closed and hi_closed)):
            return None
        return Interval(lo, hi, lo_closed, hi_closed)
'''),
        ],
        "tests": [
            ("append", "tests/test_interval.py", '''

@pytest.mark.parametrize(
    "a,b",
    [("[1, 3)", "[3, 5]"), ("[1, 3]", "(3, 5]"), ("(3, 5]", "[1, 3]"), ("[0, 1]", "[2, 3]")],
)
def test_intersection_without_common_points_is_none(a, b):
    assert parse_interval(a).intersection(parse_interval(b)) is None


def test_intersection_at_a_shared_closed_end_point():
    assert Interval(1, 3).intersection(Interval(3, 5)) == Interval.point(3)
'''),
            ("append", "tests/test_intervalset.py", '''

def test_intersection_of_sets_meeting_at_an_open_end():
    assert (IntervalSet.parse("[0, 1)") & IntervalSet.parse("[1, 2]")) == IntervalSet()
'''),
        ],
    },
    {"kind": "tag", "name": "v0.2.0", "message": "intervals 0.2.0"},
    {
        "kind": "task",
        "number": 12,
        "difficulty": "hard",
        "summary": "IntervalSet does not merge adjacent intervals such as [1, 2) and [2, 3]",
        "commit": "Merge adjacent intervals in IntervalSet; fix touches() for open ends (#12)",
        "problem_statement": """\
IntervalSet keeps [1, 2) and [2, 3] as two pieces

`[1, 2) ∪ [2, 3]` is the interval `[1, 3]`, but an `IntervalSet` doesn't merge them:

```python
>>> from intervals import Interval, IntervalSet
>>> s = IntervalSet([Interval.closed_open(1, 2), Interval(2, 3)])
>>> str(s)
'[1, 2) | [2, 3]'
>>> len(s)
2
>>> str(IntervalSet.parse("(0, 1) | [1, 2) | [2, 3)"))
'(0, 1) | [1, 2) | [2, 3)'
```

Expected `'[1, 3]'` (length 1) and `'(0, 3)'`. Overlapping intervals do get merged, so it's only the adjacent case. Equality of sets is then wrong too: the two-piece set above compares unequal to `IntervalSet([Interval(1, 3)])` although they hold the same numbers.

While looking into this I also noticed `Interval.touches` (documented as "the union of the two intervals is a single interval") says yes for `(1, 2)` and `(2, 3)`, whose union is missing 2:

```python
>>> Interval.open(1, 2).touches(Interval.open(2, 3))
True
```

Whatever the fix is, `(1, 2) | (2, 3)` must stay two pieces and must not contain 2.
""",
        "hints_text": "",
        "patch": [
            ("replace", "intervals/interval.py",
             '''        if self.overlaps(other):
            return True
        return self.hi == other.lo or other.hi == self.lo
''',
             '''        if self.overlaps(other):
            return True
        # Adjacent intervals: the shared end point must belong to one of them.
        if self.hi == other.lo:
            return self.hi_closed or other.lo_closed
        if other.hi == self.lo:
            return other.hi_closed or self.lo_closed
        return False
'''),
            ("replace", "intervals/intervalset.py",
             '''            if item.overlaps(merged):
''',
             '''            if item.touches(merged):
'''),
        ],
        "tests": [
            ("append", "tests/test_interval.py", '''

@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("[1, 2)", "[2, 3]", True),
        ("[1, 2]", "(2, 3]", True),
        ("[2, 3]", "[1, 2)", True),
        ("[1, 2)", "(2, 3]", False),
        ("(1, 2)", "(2, 3)", False),
    ],
)
def test_touches_respects_open_ends(a, b, expected):
    assert parse_interval(a).touches(parse_interval(b)) is expected
'''),
            ("replace", "tests/test_intervalset.py",
             "from intervals import Interval, IntervalSet\n",
             "import pytest\n\nfrom intervals import Interval, IntervalSet, parse_interval\n"),
            ("append", "tests/test_intervalset.py", '''

@pytest.mark.parametrize(
    "parts,expected",
    [
        (["[1, 2)", "[2, 3]"], "[1, 3]"),
        (["[1, 2]", "(2, 3]"], "[1, 3]"),
        (["(0, 1)", "[1, 2)", "[2, 3)"], "(0, 3)"),
        (["[2, 3)", "[1, 2)"], "[1, 3)"),
        (["(1, 2)", "(2, 3)"], "(1, 2) | (2, 3)"),
    ],
)
def test_adjacent_intervals_are_merged(parts, expected):
    s = IntervalSet(parse_interval(p) for p in parts)
    assert str(s) == expected


def test_open_gap_is_kept():
    s = IntervalSet([Interval.open(1, 2), Interval.open(2, 3)])
    assert 2 not in s
    assert len(s) == 2


def test_equal_after_merging():
    assert IntervalSet([Interval.closed_open(1, 2), Interval(2, 3)]) == IntervalSet([Interval(1, 3)])
'''),
        ],
    },
    {
        "kind": "chore",
        "message": "README: document IntervalSet operators",
        "ops": [
            ("replace", "README.md", "Run the tests with `python3 -m pytest`.\n", '''`IntervalSet` supports `|` (union), `&` (intersection) and `-` (difference).

Run the tests with `python3 -m pytest`.
'''),
        ],
    },
    {
        "kind": "task",
        "number": 16,
        "difficulty": "medium",
        "summary": "IntervalSet.remove leaves the removed end points in the set",
        "commit": "remove: the pieces left over exclude the removed end points (#16)",
        "problem_statement": """\
Removing a closed interval from an IntervalSet keeps its end points

```python
>>> from intervals import Interval, IntervalSet
>>> s = IntervalSet([Interval(0, 5)])
>>> s.remove(Interval(2, 3))
>>> str(s)
'[0, 2] | [3, 5]'
>>> 2 in s
True
```

2 and 3 were removed, so I expected `'[0, 2) | (3, 5]'`. It is the other way round for open intervals: removing `(2, 3)` gives `'[0, 2) | (3, 5]'` although 2 and 3 should still be there (`'[0, 2] | [3, 5]'`). And removing `(0, 5)` from `[0, 5]` crashes instead of leaving the two end points:

```python
>>> s = IntervalSet([Interval(0, 5)])
>>> s.remove(Interval.open(0, 5))
ValueError: a single-point interval must be closed at both ends
```

`IntervalSet.difference` / `-` behave the same way since they use `remove`.
""",
        "hints_text": "",
        "patch": [
            ("replace", "intervals/intervalset.py",
             '''                result.append(Interval(item.lo, interval.lo, item.lo_closed, interval.lo_closed))
''',
             '''                result.append(Interval(item.lo, interval.lo, item.lo_closed, not interval.lo_closed))
'''),
            ("replace", "intervals/intervalset.py",
             '''                result.append(Interval(interval.hi, item.hi, interval.hi_closed, item.hi_closed))
''',
             '''                result.append(Interval(interval.hi, item.hi, not interval.hi_closed, item.hi_closed))
'''),
        ],
        "tests": [
            ("append", "tests/test_intervalset.py", '''

@pytest.mark.parametrize(
    "start,removed,expected",
    [
        ("[0, 5]", "[2, 3]", "[0, 2) | (3, 5]"),
        ("[0, 5]", "(2, 3)", "[0, 2] | [3, 5]"),
        ("[0, 5]", "(0, 5)", "[0, 0] | [5, 5]"),
        ("[0, 5)", "[3, 5]", "[0, 3)"),
        ("[0, 5]", "[0, 5]", "{}"),
    ],
)
def test_remove_end_points(start, removed, expected):
    s = IntervalSet([parse_interval(start)])
    s.remove(parse_interval(removed))
    assert str(s) == expected


def test_difference_operator():
    s = IntervalSet.parse("[0, 10]") - IntervalSet.parse("[2, 3] | [5, 6)")
    assert str(s) == "[0, 2) | (3, 5) | [6, 10]"
'''),
        ],
    },
    {"kind": "tag", "name": "v0.3.0", "message": "intervals 0.3.0"},
]
