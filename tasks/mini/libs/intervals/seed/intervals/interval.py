"""A single interval of real numbers."""


def _fmt(x):
    return repr(x)


class Interval:
    """The numbers between ``lo`` and ``hi``.

    ``lo_closed`` / ``hi_closed`` say whether each end point belongs to the
    interval: ``Interval(1, 3)`` is [1, 3], ``Interval(1, 3, hi_closed=False)``
    is [1, 3). Empty intervals cannot be built; a single point must be closed
    at both ends.
    """

    __slots__ = ("lo", "hi", "lo_closed", "hi_closed")

    def __init__(self, lo, hi, lo_closed=True, hi_closed=True):
        if lo > hi:
            raise ValueError(f"lower bound {lo!r} is greater than upper bound {hi!r}")
        if lo == hi and not (lo_closed and hi_closed):
            raise ValueError("a single-point interval must be closed at both ends")
        self.lo = lo
        self.hi = hi
        self.lo_closed = bool(lo_closed)
        self.hi_closed = bool(hi_closed)

    # -- constructors -----------------------------------------------------
    @classmethod
    def closed(cls, lo, hi):
        return cls(lo, hi, True, True)

    @classmethod
    def open(cls, lo, hi):
        return cls(lo, hi, False, False)

    @classmethod
    def closed_open(cls, lo, hi):
        return cls(lo, hi, True, False)

    @classmethod
    def open_closed(cls, lo, hi):
        return cls(lo, hi, False, True)

    @classmethod
    def point(cls, x):
        return cls(x, x, True, True)

    # -- basic properties ---------------------------------------------------
    @property
    def length(self):
        return self.hi - self.lo

    @property
    def is_point(self):
        return self.lo == self.hi

    def sort_key(self):
        return (self.lo, not self.lo_closed, self.hi, self.hi_closed)

    def __contains__(self, x):
        if isinstance(x, Interval):
            return self.contains_interval(x)
        if x < self.lo or x > self.hi:
            return False
        if x == self.lo and not self.lo_closed:
            return False
        if x == self.hi and not self.hi_closed:
            return False
        return True

    def contains_interval(self, other):
        """True if every point of ``other`` is in this interval."""
        if other.lo < self.lo or other.hi > self.hi:
            return False
        if other.lo == self.lo and other.lo_closed and not self.lo_closed:
            return False
        if other.hi == self.hi and other.hi_closed and not self.hi_closed:
            return False
        return True

    # -- relations between two intervals ---------------------------------------
    def overlaps(self, other):
        """True if the two intervals have at least one point in common."""
        return self.lo < other.hi and other.lo < self.hi

    def touches(self, other):
        """True if the union of the two intervals is a single interval."""
        if self.overlaps(other):
            return True
        return self.hi == other.lo or other.hi == self.lo

    def intersection(self, other):
        """The points common to both intervals, or ``None`` if there are none."""
        if self.lo > other.lo:
            lo, lo_closed = self.lo, self.lo_closed
        elif self.lo < other.lo:
            lo, lo_closed = other.lo, other.lo_closed
        else:
            lo, lo_closed = self.lo, self.lo_closed and other.lo_closed
        if self.hi < other.hi:
            hi, hi_closed = self.hi, self.hi_closed
        elif self.hi > other.hi:
            hi, hi_closed = other.hi, other.hi_closed
        else:
            hi, hi_closed = self.hi, self.hi_closed and other.hi_closed
        if lo > hi:
            return None
        return Interval(lo, hi, lo_closed, hi_closed)

    def hull(self, other):
        """The smallest interval containing both intervals."""
        if self.lo < other.lo:
            lo, lo_closed = self.lo, self.lo_closed
        elif self.lo > other.lo:
            lo, lo_closed = other.lo, other.lo_closed
        else:
            lo, lo_closed = self.lo, self.lo_closed or other.lo_closed
        if self.hi > other.hi:
            hi, hi_closed = self.hi, self.hi_closed
        elif self.hi < other.hi:
            hi, hi_closed = other.hi, other.hi_closed
        else:
            hi, hi_closed = self.hi, self.hi_closed or other.hi_closed
        return Interval(lo, hi, lo_closed, hi_closed)

    # -- dunder -----------------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, Interval):
            return NotImplemented
        return (self.lo, self.hi, self.lo_closed, self.hi_closed) == (
            other.lo,
            other.hi,
            other.lo_closed,
            other.hi_closed,
        )

    def __hash__(self):
        return hash((self.lo, self.hi, self.lo_closed, self.hi_closed))

    def __str__(self):
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{_fmt(self.lo)}, {_fmt(self.hi)}{right}"

    def __repr__(self):
        return f"Interval.parse({str(self)!r})"
