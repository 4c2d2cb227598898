"""Line wrapping, truncation and indentation."""


def wrap(text, width=70):
    """Split ``text`` into lines of at most ``width`` characters.

    Words are separated by whitespace; a word longer than ``width`` is split.

    >>> wrap("the quick brown fox", 10)
    ['the quick', 'brown fox']
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) < width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fill(text, width=70):
    """Like :func:`wrap`, but join the lines with newlines."""
    return "\n".join(wrap(text, width))


def truncate(text, width, ellipsis="...", word_boundary=False):
    """Shorten ``text`` to at most ``width`` characters, ending with ``ellipsis``.

    With ``word_boundary=True`` the cut is moved back to the end of the last
    whole word.

    >>> truncate("hello wonderful world", 15, word_boundary=True)
    'hello...'
    """
    if width < 0:
        raise ValueError("width must not be negative")
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]
    cut = text[: width - len(ellipsis)]
    if word_boundary:
        space = cut.rfind(" ")
        cut = cut[:space]
    return cut.rstrip() + ellipsis


def indent(text, prefix, skip_blank=True):
    """Add ``prefix`` to the start of every line (blank lines are skipped by default)."""
    out = []
    for line in text.splitlines(True):
        if skip_blank and not line.strip():
            out.append(line)
        else:
            out.append(prefix + line)
    return "".join(out)
