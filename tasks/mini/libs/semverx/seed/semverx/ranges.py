"""npm-style version ranges: ``^1.2.3``, ``~1.2``, ``>=1.0.0 <2.0.0 || 3.x``."""

import re

from .version import InvalidVersion, Version


class InvalidRange(ValueError):
    """Raised for text that is not a version range."""


_PART = r"(?:0|[1-9]\d*|[xX*])"
_TERM_RE = re.compile(
    r"^(\^|~|>=|<=|>|<|=)?v?(" + _PART + r"(?:\." + _PART + r"){0,2})(?:-([0-9A-Za-z.-]+))?$"
)
_OP_SPACE_RE = re.compile(r"(\^|~|>=|<=|>|<|=)\s+")


class Comparator:
    """One ``<op> <version>`` condition."""

    __slots__ = ("op", "version")

    def __init__(self, op, version):
        self.op = op
        self.version = version

    def test(self, version):
        if self.op == ">=":
            return version >= self.version
        if self.op == ">":
            return version > self.version
        if self.op == "<=":
            return version <= self.version
        if self.op == "<":
            return version < self.version
        return version == self.version

    def __str__(self):
        return f"{self.op}{self.version}"

    def __repr__(self):
        return f"Comparator({str(self)!r})"


def _partial(text):
    """``"1.2.x"`` -> ``[1, 2]``: the numbers before the first wildcard."""
    nums = []
    for part in text.split("."):
        if part in ("x", "X", "*"):
            break
        nums.append(int(part))
    return nums


def _next_after(nums):
    """The first version above every version matching the partial ``nums``."""
    if len(nums) == 1:
        return Version(nums[0] + 1, 0, 0)
    return Version(nums[0], nums[1] + 1, 0)


def _expand(op, nums, pre):
    """Turn one range term into a list of comparators (all of which must hold)."""
    if not nums:
        # "*", "x", ">=*", ...: any version; "<*" / ">*": none.
        if op in ("<", ">"):
            return [Comparator("<", Version(0, 0, 0))]
        return []
    major, minor, patch = (nums + [0, 0, 0])[:3]
    low = Version(major, minor, patch, pre)
    if op == "^":
        return [Comparator(">=", low), Comparator("<", Version(major + 1, 0, 0))]
    if op == "~":
        return [Comparator(">=", low), Comparator("<", Version(major, minor + 1, 0))]
    if len(nums) == 3:
        return [Comparator(op or "=", low)]
    # A partial version: "1.2" stands for every 1.2.x.
    if op in ("", "="):
        return [Comparator(">=", low), Comparator("<", _next_after(nums))]
    if op in (">=", "<"):
        return [Comparator(op, low)]
    if op == ">":
        return [Comparator(">=", _next_after(nums))]
    return [Comparator("<", _next_after(nums))]  # "<="


class Range:
    """A set of versions described by an npm-style range.

    >>> Range("^1.2.3").contains("1.9.0")
    True
    """

    def __init__(self, text):
        self.text = text
        self.alternatives = []
        for alternative in text.split("||"):
            terms = _OP_SPACE_RE.sub(r"\1", alternative.strip()).split()
            comparators = []
            for term in terms:
                match = _TERM_RE.match(term)
                if match is None:
                    raise InvalidRange(f"invalid range term {term!r} in {text!r}")
                op, partial, pre = match.groups()
                if pre and partial.count(".") != 2:
                    raise InvalidRange(f"a pre-release needs a full version: {term!r}")
                comparators.extend(_expand(op or "", _partial(partial), pre or ()))
            self.alternatives.append(comparators)

    def contains(self, version):
        try:
            version = Version.parse(version)
        except InvalidVersion:
            return False
        return any(all(c.test(version) for c in comparators) for comparators in self.alternatives)

    __contains__ = contains

    def filter(self, versions):
        return [v for v in versions if self.contains(v)]

    def max_satisfying(self, versions):
        matching = self.filter(versions)
        return max(matching, key=Version.parse) if matching else None

    def __str__(self):
        return " || ".join(" ".join(str(c) for c in comps) or "*" for comps in self.alternatives)

    def __repr__(self):
        return f"Range({self.text!r})"


def satisfies(version, range_text):
    """``satisfies("1.2.3", "^1.0.0")`` -> True."""
    return Range(range_text).contains(version)


def max_satisfying(versions, range_text):
    """The highest of ``versions`` in the range, or None."""
    return Range(range_text).max_satisfying(versions)
