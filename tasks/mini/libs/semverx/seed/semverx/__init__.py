"""semverx: semantic versions (semver.org 2.0.0) and npm-style ranges."""

from .ranges import InvalidRange, Range, max_satisfying, satisfies
from .version import InvalidVersion, Version, sort_versions

__version__ = "0.1.0"

__all__ = [
    "InvalidRange",
    "InvalidVersion",
    "Range",
    "Version",
    "max_satisfying",
    "satisfies",
    "sort_versions",
]
