"""A small INI format: ``[section]`` headers, ``key = value`` lines, comments."""


class IniError(ValueError):
    """Raised for malformed INI text; ``lineno`` is 1-based."""

    def __init__(self, lineno, message):
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


def loads_ini(text, default_section="DEFAULT"):
    """Parse INI ``text`` into ``{section: {key: value}}``.

    Keys are lower-cased; values are stripped strings. Lines starting with
    ``#`` or ``;`` are comments. Keys before the first section header go to
    ``default_section``.

    >>> loads_ini("[server]\\nHost = example.org\\n")
    {'server': {'host': 'example.org'}}
    """
    data = {}
    section = default_section
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise IniError(lineno, "unterminated section header")
            section = line[1:-1].strip()
            if not section:
                raise IniError(lineno, "empty section name")
            data.setdefault(section, {})
            continue
        if "=" not in line:
            raise IniError(lineno, f"expected 'key = value', got {line!r}")
        key, _, value = line.rpartition("=")
        key = key.strip().lower()
        if not key:
            raise IniError(lineno, "empty key")
        data.setdefault(section, {})[key] = value.strip()
    return data


def dumps_ini(data):
    """The inverse of :func:`loads_ini`: sections in order, a blank line between them."""
    chunks = []
    for section, values in data.items():
        lines = [f"[{section}]"]
        for key, value in values.items():
            lines.append(f"{key} = {value}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)
