"""intervals: intervals of real numbers with open or closed ends, and sets of them."""

from .interval import Interval
from .intervalset import IntervalSet
from .parse import format_interval, parse_interval, parse_set

__version__ = "0.1.0"

__all__ = ["Interval", "IntervalSet", "format_interval", "parse_interval", "parse_set"]
