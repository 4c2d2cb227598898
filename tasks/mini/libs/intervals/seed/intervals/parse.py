"""Reading and writing intervals in the usual bracket notation: ``[0, 1)``."""

import math
import re

from .interval import Interval
from .intervalset import IntervalSet

_INTERVAL_RE = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])\s*$")


def _number(token):
    lowered = token.lower()
    if lowered in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if lowered in ("-inf", "-infinity"):
        return -math.inf
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        raise ValueError(f"not a number: {token!r}") from None


def parse_interval(text):
    """Parse ``"[0, 1)"``, ``"(2.5, inf)"``, ... into an :class:`Interval`."""
    match = _INTERVAL_RE.match(text)
    if match is None:
        raise ValueError(f"not an interval: {text!r}")
    left, lo, hi, right = match.groups()
    return Interval(_number(lo), _number(hi), lo_closed=left == "[", hi_closed=right == "[")


def format_interval(interval):
    """The inverse of :func:`parse_interval`."""
    return str(interval)


def parse_set(text):
    """Parse ``"[0, 1) | [2, 3]"`` (or ``"{}"`` for the empty set) into an :class:`IntervalSet`."""
    text = text.strip()
    if text in ("", "{}"):
        return IntervalSet()
    return IntervalSet(parse_interval(part) for part in text.split("|"))


Interval.parse = staticmethod(parse_interval)
IntervalSet.parse = staticmethod(parse_set)
