"""Sets of real numbers written as a union of disjoint intervals."""

from .interval import Interval


class IntervalSet:
    """A union of intervals, kept sorted and merged.

    >>> s = IntervalSet([Interval(0, 1), Interval(5, 6), Interval(0.5, 2)])
    >>> str(s)
    '[0, 2] | [5, 6]'
    """

    def __init__(self, intervals=()):
        self._items = []
        for interval in intervals:
            self.add(interval)

    def add(self, interval):
        """Add every point of ``interval`` to the set."""
        merged = interval
        keep = []
        for item in self._items:
            if item.overlaps(merged):
                merged = merged.hull(item)
            else:
                keep.append(item)
        keep.append(merged)
        keep.sort(key=Interval.sort_key)
        self._items = keep

    def remove(self, interval):
        """Remove every point of ``interval`` from the set."""
        result = []
        for item in self._items:
            if not item.overlaps(interval):
                result.append(item)
                continue
            # What is left of ``item`` below ``interval``.
            if item.lo < interval.lo or (
                item.lo == interval.lo and item.lo_closed and not interval.lo_closed
            ):
                result.append(Interval(item.lo, interval.lo, item.lo_closed, interval.lo_closed))
            # What is left of ``item`` above ``interval``.
            if interval.hi < item.hi or (
                interval.hi == item.hi and item.hi_closed and not interval.hi_closed
            ):
                result.append(Interval(interval.hi, item.hi, interval.hi_closed, item.hi_closed))
        self._items = result

    def union(self, other):
        out = IntervalSet(self._items)
        for item in other:
            out.add(item)
        return out

    def difference(self, other):
        out = IntervalSet(self._items)
        for item in other:
            out.remove(item)
        return out

    def intersection(self, other):
        out = IntervalSet()
        for a in self._items:
            for b in other:
                common = a.intersection(b)
                if common is not None:
                    out.add(common)
        return out

    __or__ = union
    __sub__ = difference
    __and__ = intersection

    @property
    def total_length(self):
        return sum(item.length for item in self._items)

    def __contains__(self, x):
        return any(x in item for item in self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)

    def __eq__(self, other):
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._items == other._items

    def __str__(self):
        if not self._items:
            return "{}"
        return " | ".join(str(item) for item in self._items)

    def __repr__(self):
        return f"IntervalSet.parse({str(self)!r})"
