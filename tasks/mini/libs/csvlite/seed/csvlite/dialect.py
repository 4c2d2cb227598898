"""CSV dialects: which characters delimit, quote and end records."""


class CsvError(ValueError):
    """Raised for malformed CSV input or an invalid dialect."""


class Dialect:
    """How a CSV file is written.

    ``delimiter`` separates fields, ``quotechar`` encloses fields that contain
    special characters (a quote inside is doubled), ``lineterminator`` ends
    each record when writing, and ``skipinitialspace`` ignores spaces right
    after a delimiter when reading.
    """

    __slots__ = ("delimiter", "quotechar", "lineterminator", "skipinitialspace")

    def __init__(self, delimiter=",", quotechar='"', lineterminator="\r\n", skipinitialspace=False):
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise CsvError(f"delimiter must be a single character, not {delimiter!r}")
        if not isinstance(quotechar, str) or len(quotechar) != 1:
            raise CsvError(f"quotechar must be a single character, not {quotechar!r}")
        if delimiter == quotechar:
            raise CsvError("delimiter and quotechar must differ")
        if delimiter in "\r\n" or quotechar in "\r\n":
            raise CsvError("delimiter and quotechar cannot be line breaks")
        if lineterminator not in ("\r\n", "\n", "\r"):
            raise CsvError(f"unsupported lineterminator {lineterminator!r}")
        self.delimiter = delimiter
        self.quotechar = quotechar
        self.lineterminator = lineterminator
        self.skipinitialspace = bool(skipinitialspace)

    def replace(self, **changes):
        """A copy of this dialect with some attributes changed."""
        values = {name: getattr(self, name) for name in self.__slots__}
        for name, value in changes.items():
            if name not in values:
                raise TypeError(f"unknown dialect attribute {name!r}")
            values[name] = value
        return Dialect(**values)

    def __eq__(self, other):
        if not isinstance(other, Dialect):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self):
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"Dialect({args})"


_REGISTRY = {
    "excel": Dialect(),
    "excel-tab": Dialect(delimiter="\t"),
    "unix": Dialect(lineterminator="\n"),
}


def register_dialect(name, dialect=None, **attributes):
    """Register ``dialect`` (or a new one built from ``attributes``) under ``name``."""
    if dialect is None:
        dialect = Dialect(**attributes)
    elif attributes:
        dialect = dialect.replace(**attributes)
    _REGISTRY[name] = dialect


def list_dialects():
    return sorted(_REGISTRY)


def get_dialect(dialect=None, **overrides):
    """Resolve a dialect name or :class:`Dialect` (default ``"excel"``).

    Keyword arguments (``delimiter=";"``, ...) override single attributes.
    """
    if dialect is None:
        base = _REGISTRY["excel"]
    elif isinstance(dialect, Dialect):
        base = dialect
    else:
        try:
            base = _REGISTRY[dialect]
        except KeyError:
            raise CsvError(f"unknown dialect {dialect!r}") from None
    return base
