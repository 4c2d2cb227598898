"""textkit: small, dependency-free string utilities."""

from .case import to_camel, to_constant, to_kebab, to_pascal, to_snake, to_title
from .slug import slugify, unique_slug
from .util import normalize_whitespace, split_words
from .wrap import fill, indent, truncate, wrap

__version__ = "0.1.0"

__all__ = [
    "fill",
    "indent",
    "normalize_whitespace",
    "slugify",
    "split_words",
    "to_camel",
    "to_constant",
    "to_kebab",
    "to_pascal",
    "to_snake",
    "to_title",
    "truncate",
    "unique_slug",
    "wrap",
]
