"""Semantic versions: parsing, precedence and bumping."""

import functools
import re

_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION_RE = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-(" + _IDENT + r"(?:\." + _IDENT + r")*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


class InvalidVersion(ValueError):
    """Raised for text that is not a semantic version."""


def _identifier_key(ident):
    # Numeric identifiers sort before alphanumeric ones.
    if ident.isdigit():
        return (0, ident)
    return (1, ident)


@functools.total_ordering
class Version:
    """A semantic version ``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``.

    >>> Version.parse("1.2.3-rc.1+build.5")
    Version('1.2.3-rc.1+build.5')
    """

    __slots__ = ("major", "minor", "patch", "prerelease", "build")

    def __init__(self, major, minor=0, patch=0, prerelease=(), build=()):
        for name, value in (("major", major), ("minor", minor), ("patch", patch)):
            if not isinstance(value, int) or value < 0:
                raise InvalidVersion(f"{name} must be a non-negative integer, not {value!r}")
        if isinstance(prerelease, str):
            prerelease = prerelease.split(".") if prerelease else ()
        if isinstance(build, str):
            build = build.split(".") if build else ()
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = tuple(str(p) for p in prerelease)
        self.build = tuple(str(b) for b in build)

    @classmethod
    def parse(cls, text):
        if isinstance(text, Version):
            return text
        match = _VERSION_RE.match(text.strip())
        if match is None:
            raise InvalidVersion(f"invalid version: {text!r}")
        major, minor, patch, pre, build = match.groups()
        return cls(int(major), int(minor), int(patch), pre or (), build or ())

    @property
    def is_prerelease(self):
        return bool(self.prerelease)

    # -- precedence -------------------------------------------------------------
    def _key(self):
        if self.prerelease:
            pre = (0,) + tuple(_identifier_key(p) for p in self.prerelease)
        else:
            pre = (1,)  # a release sorts after all of its pre-releases
        return (self.major, self.minor, self.patch, pre, self.build)

    def __eq__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    # -- bumping ----------------------------------------------------------------
    def bump_major(self):
        return Version(self.major + 1, 0, 0)

    def bump_minor(self):
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self):
        return Version(self.major, self.minor, self.patch + 1)

    # -- text ---------------------------------------------------------------------
    def __str__(self):
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self):
        return f"Version('{self}')"


def _coerce(value):
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        return Version.parse(value)
    return NotImplemented


def sort_versions(versions, reverse=False):
    """Sort version strings (or :class:`Version` objects) by precedence."""
    return sorted(versions, key=Version.parse, reverse=reverse)
