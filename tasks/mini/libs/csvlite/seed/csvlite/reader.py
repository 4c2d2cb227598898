"""Reading CSV text."""

from .dialect import CsvError, get_dialect


def parse_rows(text, dialect=None, **fmtparams):
    """Parse CSV ``text`` into a list of rows (lists of strings).

    Records end with ``\\r\\n``, ``\\n`` or ``\\r``; a quoted field may contain
    delimiters, line breaks and doubled quote characters.

    >>> parse_rows('a,"b,c"\\n1,2\\n')
    [['a', 'b,c'], ['1', '2']]
    """
    d = get_dialect(dialect)
    rows = []
    row = []
    field = []
    in_quotes = False
    at_field_start = True
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if in_quotes:
            if c == d.quotechar:
                if i + 1 < n and text[i + 1] == d.quotechar:
                    field.append(c)
                    i += 2
                    continue
                in_quotes = False
            else:
                field.append(c)
            i += 1
            continue
        if c == d.quotechar and at_field_start:
            in_quotes = True
            at_field_start = False
        elif c == d.delimiter:
            row.append("".join(field))
            field = []
            at_field_start = True
        elif c in "\r\n":
            row.append("".join(field))
            rows.append(row)
            row = []
            field = []
            at_field_start = True
            if c == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
        elif c == " " and at_field_start and d.skipinitialspace:
            pass
        else:
            field.append(c)
            at_field_start = False
        i += 1
    if in_quotes:
        raise CsvError("unexpected end of input inside a quoted field")
    if field:
        row.append("".join(field))
    if row:
        rows.append(row)
    return rows


def parse_dicts(text, fieldnames=None, dialect=None, restval=None, **fmtparams):
    """Parse CSV ``text`` into dicts keyed by ``fieldnames`` (default: the first row).

    Missing trailing fields get ``restval``; extra fields raise :class:`CsvError`.
    """
    rows = parse_rows(text, dialect, **fmtparams)
    if fieldnames is None:
        if not rows:
            return []
        fieldnames, rows = rows[0], rows[1:]
    out = []
    for lineno, row in enumerate(rows, 1):
        if len(row) > len(fieldnames):
            raise CsvError(f"record {lineno} has {len(row)} fields, expected {len(fieldnames)}")
        record = dict(zip(fieldnames, row))
        for name in fieldnames[len(row):]:
            record[name] = restval
        out.append(record)
    return out
