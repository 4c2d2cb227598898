"""csvlite: a tiny CSV reader/writer and INI parser, standard library only."""

from .dialect import CsvError, Dialect, get_dialect, list_dialects, register_dialect
from .ini import IniError, dumps_ini, loads_ini
from .reader import parse_dicts, parse_rows
from .writer import format_dicts, format_row, format_rows

__version__ = "0.1.0"

__all__ = [
    "CsvError",
    "Dialect",
    "IniError",
    "dumps_ini",
    "format_dicts",
    "format_row",
    "format_rows",
    "get_dialect",
    "list_dialects",
    "loads_ini",
    "parse_dicts",
    "parse_rows",
    "register_dialect",
]
