# History of the semverx repository after its initial commit (the tree in seed/).
# Read by ../../build_suite.py; see ../textkit/history.py for the format.

HISTORY = [
    {"kind": "tag", "name": "v0.1.0", "message": "semverx 0.1.0"},
    {
        "kind": "task",
        "number": 4,
        "difficulty": "easy",
        "summary": "numeric pre-release identifiers are compared as text (alpha.10 < alpha.2)",
        "commit": "Compare numeric pre-release identifiers numerically (#4)",
        "problem_statement": """\
1.0.0-beta.11 sorts before 1.0.0-beta.2

We publish nightly pre-releases as `X.Y.Z-beta.N` and once N reached 10 our "latest beta" logic started picking old builds:

```python
>>> from semverx import Version, sort_versions
>>> Version.parse("1.0.0-alpha.10") < Version.parse("1.0.0-alpha.2")
True
>>> sort_versions(["1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-beta.1"])
['1.0.0-beta.1', '1.0.0-beta.11', '1.0.0-beta.2']
```

semver.org item 11.4.1 says identifiers consisting of only digits are compared numerically, so `alpha.2 < alpha.10` and the sorted list should be `['1.0.0-beta.1', '1.0.0-beta.2', '1.0.0-beta.11']`. Single digits happen to work, which is probably why nobody noticed.
""",
        "hints_text": "",
        "patch": [
            ("replace", "semverx/version.py",
             "        return (0, ident)\n",
             "        return (0, int(ident))\n"),
        ],
        "tests": [
            ("append", "tests/test_version.py", '''

@pytest.mark.parametrize(
    "lower,higher",
    [
        ("1.0.0-alpha.2", "1.0.0-alpha.10"),
        ("1.0.0-rc.9", "1.0.0-rc.11"),
        ("1.0.0-2", "1.0.0-10"),
        ("1.0.0-alpha.1", "1.0.0-alpha.2"),
        ("1.0.0-99", "1.0.0-alpha"),
    ],
)
def test_numeric_identifiers_compare_numerically(lower, higher):
    assert Version.parse(lower) < Version.parse(higher)
    assert Version.parse(higher) > Version.parse(lower)


def test_sort_versions_numeric_prerelease():
    assert sort_versions(["1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-beta.1"]) == [
        "1.0.0-beta.1",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
    ]
'''),
        ],
    },
    {
        "kind": "task",
        "number": 6,
        "difficulty": "easy",
        "summary": "build metadata takes part in equality, ordering and hashing",
        "commit": "Ignore build metadata when comparing versions (#6)",
        "problem_statement": """\
Versions that differ only in build metadata are not equal

```python
>>> from semverx import Version, satisfies
>>> Version.parse("1.0.0+001") == Version.parse("1.0.0+002")
False
>>> len({Version.parse("1.0.0+001"), Version.parse("1.0.0+002")})
2
>>> Version.parse("1.0.0") < Version.parse("1.0.0+build.1")
True
>>> satisfies("1.0.0+build.1", "<=1.0.0")
False
```

Per semver.org item 10, "build metadata MUST be ignored when determining version precedence", so the first should be `True`, the set should have one element, neither version should be lower than the other, and `1.0.0+build.1` satisfies `<=1.0.0`. The build metadata should of course still be kept in `str()`.
""",
        "hints_text": "",
        "patch": [
            ("replace", "semverx/version.py",
             "        return (self.major, self.minor, self.patch, pre, self.build)\n",
             "        # Build metadata does not take part in precedence (semver.org item 10).\n"
             "        return (self.major, self.minor, self.patch, pre)\n"),
        ],
        "tests": [
            ("append", "tests/test_version.py", '''

@pytest.mark.parametrize(
    "a,b",
    [("1.0.0+001", "1.0.0+002"), ("1.0.0", "1.0.0+build.1"), ("2.1.0-rc.1+a", "2.1.0-rc.1+b")],
)
def test_build_metadata_is_ignored_for_precedence(a, b):
    va, vb = Version.parse(a), Version.parse(b)
    assert va == vb
    assert not va < vb
    assert not vb < va
    assert hash(va) == hash(vb)


def test_build_metadata_kept_in_str():
    assert str(Version.parse("1.0.0+001")) == "1.0.0+001"
'''),
            ("append", "tests/test_ranges.py", '''

def test_build_metadata_in_ranges():
    assert satisfies("1.0.0+build.1", "<=1.0.0")
    assert satisfies("1.0.0+build.1", "1.0.0")
    assert not satisfies("1.0.0+build.1", ">1.0.0")
'''),
        ],
    },
    {"kind": "tag", "name": "v0.1.1", "message": "semverx 0.1.1"},
    {
        "kind": "chore",
        "message": "Add CONTRIBUTING.md",
        "ops": [
            ("create", "CONTRIBUTING.md", '''# Contributing

* Keep the library dependency-free (standard library only).
* Every bug fix comes with a test in `tests/`.
* Run `python3 -m pytest` before sending a change.
'''),
        ],
    },
    {
        "kind": "task",
        "number": 8,
        "difficulty": "medium",
        "summary": "caret ranges on 0.x versions allow the next minor/patch",
        "commit": "Caret ranges: the left-most non-zero part is fixed (#8)",
        "problem_statement": """\
^0.2.3 matches 0.3.0 (caret ranges on 0.x versions are too wide)

With npm, `^0.2.3` means `>=0.2.3 <0.3.0`, since for 0.x versions the minor version is the "breaking" part. semverx treats it like `^1.2.3`:

```python
>>> from semverx import Range, satisfies
>>> str(Range("^0.2.3"))
'>=0.2.3 <1.0.0'
>>> satisfies("0.3.0", "^0.2.3")
True
>>> satisfies("0.0.4", "^0.0.3")
True
```

Expected (npm semver docs, "Caret Ranges"): `^0.2.3` := `>=0.2.3 <0.3.0`, `^0.0.3` := `>=0.0.3 <0.0.4`, `^0.0` := `>=0.0.0 <0.1.0`, while `^0`, `^0.x` := `<1.0.0` and `^1.2.x` := `<2.0.0` as now. This broke our dependency resolver, which upgraded a 0.2 package to an incompatible 0.3.
""",
        "hints_text": "",
        "patch": [
            ("replace", "semverx/ranges.py",
             '''    if op == "^":
        return [Comparator(">=", low), Comparator("<", Version(major + 1, 0, 0))]
''',
             '''    if op == "^":
        # The left-most non-zero part (of those given) may not change.
        if major > 0 or len(nums) == 1:
            high = Version(major + 1, 0, 0)
        elif minor > 0 or len(nums) == 2:
            high = Version(0, minor + 1, 0)
        else:
            high = Version(0, 0, patch + 1)
        return [Comparator(">=", low), Comparator("<", high)]
'''),
        ],
        "tests": [
            ("append", "tests/test_ranges.py", '''

@pytest.mark.parametrize(
    "range_text,inside,outside",
    [
        ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "1.0.0", "0.2.2"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4", "0.1.0"]),
        ("^0.0", ["0.0.0", "0.0.9"], ["0.1.0"]),
        ("^0", ["0.0.0", "0.9.9"], ["1.0.0"]),
        ("^0.x", ["0.5.0"], ["1.0.0"]),
        ("^1.2.x", ["1.9.0"], ["2.0.0"]),
    ],
)
def test_caret_zero_major(range_text, inside, outside):
    r = Range(range_text)
    for v in inside:
        assert r.contains(v), v
    for v in outside:
        assert not r.contains(v), v


def test_caret_zero_major_str():
    assert str(Range("^0.2.3")) == ">=0.2.3 <0.3.0"
'''),
        ],
    },
    {
        "kind": "task",
        "number": 13,
        "difficulty": "easy",
        "summary": "tilde range with only a major version (~1) is too narrow",
        "commit": "Tilde ranges: ~1 allows any 1.x (#13)",
        "problem_statement": """\
~1 only matches 1.0.x

```python
>>> from semverx import Range
>>> str(Range("~1"))
'>=1.0.0 <1.1.0'
>>> Range("~1").contains("1.5.0")
False
```

According to npm's docs, a tilde range allows patch-level changes if a minor version is specified and minor-level changes if not: `~1` := `>=1.0.0 <2.0.0` (same as `1.x`), and `~0` := `>=0.0.0 <1.0.0`. `~1.2` and `~1.2.3` are correct already (`<1.3.0`).
""",
        "hints_text": "",
        "patch": [
            ("replace", "semverx/ranges.py",
             '''        return [Comparator(">=", low), Comparator("<", Version(major, minor + 1, 0))]
''',
             '''        return [Comparator(">=", low), Comparator("<", _next_after(nums[:2]))]
'''),
        ],
        "tests": [
            ("append", "tests/test_ranges.py", '''

@pytest.mark.parametrize(
    "range_text,expected",
    [
        ("~1", ">=1.0.0 <2.0.0"),
        ("~0", ">=0.0.0 <1.0.0"),
        ("~1.x", ">=1.0.0 <2.0.0"),
        ("~1.2", ">=1.2.0 <1.3.0"),
        ("~1.2.3", ">=1.2.3 <1.3.0"),
    ],
)
def test_tilde_desugaring(range_text, expected):
    assert str(Range(range_text)) == expected


def test_tilde_major_only_contains_minor_updates():
    assert Range("~1").contains("1.5.0")
    assert not Range("~1").contains("2.0.0")
'''),
        ],
    },
    {
        "kind": "task",
        "number": 17,
        "difficulty": "hard",
        "summary": "pre-releases leak into ranges, and bump_* on a pre-release skips the release",
        "commit": "Pre-release handling in ranges and bump_* (#17)",
        "problem_statement": """\
Pre-release handling: ranges match unrelated pre-releases, bumping a pre-release skips a version

Two related problems with pre-release versions, both found while building a release tool on top of semverx.

**1. Ranges match pre-releases they shouldn't.** npm (and every semver range implementation I know) only lets a pre-release satisfy a range if the range itself mentions a pre-release of the same `major.minor.patch`. Otherwise `^1.2.0` would pull in any random beta:

```python
>>> from semverx import Range, max_satisfying
>>> Range("^1.2.0").contains("1.3.0-beta.1")
True            # expected False
>>> Range("<2.0.0").contains("2.0.0-alpha")
True            # expected False
>>> Range("*").contains("1.0.0-rc.1")
True            # expected False
>>> max_satisfying(["1.2.0", "1.3.0-rc.1"], "^1.0.0")
'1.3.0-rc.1'    # expected '1.2.0'
```

Opting in must keep working: `Range(">=1.3.0-beta.0 <2.0.0").contains("1.3.0-beta.1")` is `True` (same 1.3.0 tuple), whereas `Range(">=1.3.0-beta.0").contains("1.4.0-alpha")` should be `False`. With `||`, the check applies per alternative.

**2. `bump_*` on a pre-release skips the release it precedes.**

```python
>>> from semverx import Version
>>> Version.parse("1.2.3-rc.1").bump_patch()
Version('1.2.4')        # expected Version('1.2.3')
>>> Version.parse("1.2.0-rc.1").bump_minor()
Version('1.3.0')        # expected Version('1.2.0')
>>> Version.parse("2.0.0-rc.1").bump_major()
Version('3.0.0')        # expected Version('2.0.0')
```

`npm version patch` on `1.2.3-rc.1` gives `1.2.3`: the release after a pre-release of 1.2.3 is 1.2.3 itself. Bumping a part that the pre-release doesn't stand for still increments it (`1.2.3-rc.1` minor -> `1.3.0`, `1.2.0-rc.1` major -> `2.0.0`).
""",
        "hints_text": "",
        "patch": [
            ("replace", "semverx/version.py",
             '''    @property
    def is_prerelease(self):
        return bool(self.prerelease)
''',
             '''    @property
    def is_prerelease(self):
        return bool(self.prerelease)

    @property
    def release(self):
        """``(major, minor, patch)``, without pre-release or build metadata."""
        return (self.major, self.minor, self.patch)
'''),
            ("replace", "semverx/version.py",
             '''    def bump_major(self):
        return Version(self.major + 1, 0, 0)

    def bump_minor(self):
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self):
        return Version(self.major, self.minor, self.patch + 1)
''',
             '''    # A pre-release of X.Y.Z comes before X.Y.Z, so bumping it to the part it
    # stands for gives the release itself ("1.2.3-rc.1" -> patch -> "1.2.3").
    def bump_major(self):
        if self.prerelease and self.minor == 0 and self.patch == 0:
            return Version(self.major, 0, 0)
        return Version(self.major + 1, 0, 0)

    def bump_minor(self):
        if self.prerelease and self.patch == 0:
            return Version(self.major, self.minor, 0)
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self):
        if self.prerelease:
            return Version(self.major, self.minor, self.patch)
        return Version(self.major, self.minor, self.patch + 1)
'''),
            ("replace", "semverx/ranges.py",
             '''        return any(all(c.test(version) for c in comparators) for comparators in self.alternatives)
''',
             '''        return any(self._matches(comparators, version) for comparators in self.alternatives)

    @staticmethod
    def _matches(comparators, version):
        if not all(c.test(version) for c in comparators):
            return False
        if not version.prerelease:
            return True
        # A pre-release only matches if the range opts in with a pre-release of
        # the same major.minor.patch.
        return any(
            c.version.prerelease and c.version.release == version.release for c in comparators
        )
'''),
        ],
        "tests": [
            ("append", "tests/test_ranges.py", '''

@pytest.mark.parametrize(
    "range_text,version,expected",
    [
        ("^1.2.0", "1.3.0-beta.1", False),
        ("<2.0.0", "2.0.0-alpha", False),
        ("*", "1.0.0-rc.1", False),
        (">=1.3.0-beta.0 <2.0.0", "1.3.0-beta.1", True),
        (">=1.3.0-beta.0", "1.4.0-alpha", False),
        ("1.2.3-rc.1", "1.2.3-rc.1", True),
        (">=1.3.0-beta.0 <2.0.0 || ^3.0.0", "3.1.0-rc.1", False),
        ("^1.2.0", "1.3.0", True),
    ],
)
def test_prerelease_matching(range_text, version, expected):
    assert Range(range_text).contains(version) is expected


def test_max_satisfying_skips_prereleases():
    assert max_satisfying(["1.2.0", "1.3.0-rc.1"], "^1.0.0") == "1.2.0"
'''),
            ("append", "tests/test_version.py", '''

@pytest.mark.parametrize(
    "text,part,expected",
    [
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("1.2.0-rc.1", "minor", "1.2.0"),
        ("1.2.3-rc.1", "minor", "1.3.0"),
        ("2.0.0-rc.1", "major", "2.0.0"),
        ("1.2.0-rc.1", "major", "2.0.0"),
        ("1.2.3", "patch", "1.2.4"),
    ],
)
def test_bump_prerelease(text, part, expected):
    assert str(getattr(Version.parse(text), "bump_" + part)()) == expected
'''),
        ],
    },
    {"kind": "tag", "name": "v0.2.0", "message": "semverx 0.2.0"},
    {
        "kind": "chore",
        "message": "README: mention pre-release semantics",
        "ops": [
            ("replace", "README.md", "Run the tests with `python3 -m pytest`.\n",
             "Pre-releases only satisfy a range that names a pre-release of the same version, as in npm.\n\n"
             "Run the tests with `python3 -m pytest`.\n"),
        ],
    },
]
