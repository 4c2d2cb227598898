"""URL slugs."""

import re

_NON_ALNUM_RE = re.compile(r"[^A-Za-z0-9]+")


def slugify(text, sep="-", max_length=None, lowercase=True):
    """Turn ``text`` into a URL-friendly slug.

    Runs of characters other than ASCII letters and digits become one ``sep``;
    the slug never starts or ends with ``sep``. ``max_length`` caps its length.

    >>> slugify("Hello, World!")
    'hello-world'
    """
    if not sep:
        raise ValueError("sep must be a non-empty string")
    if max_length is not None and max_length < 1:
        raise ValueError("max_length must be at least 1")
    text = text.encode("ascii", "ignore").decode("ascii")
    if lowercase:
        text = text.lower()
    slug = _NON_ALNUM_RE.sub(sep, text).strip(sep)
    if max_length is not None:
        slug = slug[:max_length]
    return slug


def unique_slug(text, existing, sep="-", max_length=None):
    """Like :func:`slugify`, but add ``-2``, ``-3``, ... until the slug is not in ``existing``."""
    base = slugify(text, sep=sep, max_length=max_length)
    if base not in existing:
        return base
    n = 2
    while True:
        candidate = f"{base}{sep}{n}"
        if candidate not in existing:
            return candidate
        n += 1
