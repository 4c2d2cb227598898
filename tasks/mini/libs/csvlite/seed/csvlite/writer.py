"""Writing CSV text."""

from .dialect import get_dialect


def _needs_quotes(field, d):
    return d.delimiter in field


def _quote(value, d):
    field = "" if value is None else str(value)
    if _needs_quotes(field, d):
        return d.quotechar + field.replace(d.quotechar, d.quotechar * 2) + d.quotechar
    return field


def format_row(row, dialect=None, **fmtparams):
    """Format one record, without the line terminator.

    ``None`` is written as an empty field, other values with ``str()``.

    >>> format_row(["a", "b,c", 3])
    'a,"b,c",3'
    """
    d = get_dialect(dialect)
    return d.delimiter.join(_quote(value, d) for value in row)


def format_rows(rows, dialect=None, **fmtparams):
    """Format records, each followed by the dialect's line terminator."""
    d = get_dialect(dialect)
    return "".join(format_row(row, d) + d.lineterminator for row in rows)


def format_dicts(records, fieldnames, dialect=None, header=True, restval="", **fmtparams):
    """Format dicts as CSV with the columns ``fieldnames`` (and a header row)."""
    rows = [list(fieldnames)] if header else []
    for record in records:
        extra = set(record) - set(fieldnames)
        if extra:
            raise ValueError(f"record has fields not in fieldnames: {sorted(extra)}")
        rows.append([record.get(name, restval) for name in fieldnames])
    return format_rows(rows, dialect, **fmtparams)
