# Call hierarchy without the server's help (jedi-language-server has no textDocument/prepareCallHierarchy):
# incoming = the symbol's references grouped by the function (or class body, or module) they occur in, found with
# Python's `ast`; outgoing = the calls in the function's body (ast.Call nodes), each resolved with
# textDocument/definition. References include uses that are not calls (an import, a callback passed by name); the
# answer says "uses", not "calls", for that reason.
import ast
import os


def _tree(path, trees):
    if path not in trees:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                trees[path] = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            trees[path] = None
    return trees[path]


def enclosing(tree, line):
    """(qualified name, 1-indexed def line) of the innermost function or class around `line`; module level: None."""
    best = None

    def visit(node, prefix):
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if child.lineno <= line <= (child.end_lineno or child.lineno):
                    best = (name, child.lineno)
                visit(child, name + '.')
            else:
                visit(child, prefix)

    if tree is not None:
        visit(tree, '')
    return best


def incoming(symbol, path, line, refs, cache, cap):
    from commands import capped, source_line

    trees = {}
    groups = {}
    for p, l0 in refs:
        where = enclosing(_tree(p, trees), l0 + 1)
        key = (p, where[1] if where else 0, where[0] if where else '<module>')
        groups.setdefault(key, []).append(l0)
    rows = []
    for (p, def_line, name), lines in sorted(groups.items()):
        head = '%s:%d: %s' % (p, def_line, source_line(p, def_line - 1, cache)) if def_line else '%s (module level)' % p
        rows.append('%s  [%s]' % (head, name))
        rows.extend('    line %d: %s' % (l0 + 1, source_line(p, l0, cache)) for l0 in sorted(set(lines)))
    return capped(
        'Incoming: functions that use "%s" (at %s:%d), from its references grouped by enclosing function:'
        % (symbol, path, line),
        rows,
        'No uses of "%s" (at %s:%d) found outside its definition.' % (symbol, path, line),
    )


def _call_positions(fn, text_lines):
    """(name, 1-indexed line, 0-indexed UTF-16 column) of the callee name of every call in `fn`'s body."""
    from commands import utf16_len

    seen = {}
    for stmt in fn.body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name):
                name, line, byte_col = f.id, f.lineno, f.col_offset
            elif isinstance(f, ast.Attribute) and f.end_lineno is not None and f.end_col_offset is not None:
                name, line, byte_col = ast.unparse(f), f.end_lineno, f.end_col_offset - len(f.attr.encode('utf-8'))
            else:
                continue
            if name in seen:
                seen[name][3].append(node.lineno)
                continue
            raw = text_lines[line - 1].encode('utf-8')[:byte_col].decode('utf-8', errors='replace')
            seen[name] = [name, line, utf16_len(raw), [node.lineno]]
    return list(seen.values())


def outgoing(server, symbol, path, line, defs, cache, cap, user_error):
    from commands import capped, fmt_location, locations, read

    last = symbol.strip().rstrip('()').split('.')[-1]
    target = next(((p, l0) for p, l0 in defs if p.endswith('.py') and os.path.isfile(p)), None)
    if target is None:
        raise user_error('"%s" at %s:%d has no Python definition to read calls from' % (symbol, path, line))
    def_path, def_line0 = target
    text = read(def_path)
    tree = _tree(def_path, {})
    fn = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == last:
                if node.lineno - 1 <= def_line0 <= (node.end_lineno or node.lineno) - 1:
                    fn = node
                    break
    if fn is None:
        raise user_error('"%s" at %s:%d is not a function (its definition: %s)'
                         % (symbol, path, line, fmt_location(def_path, def_line0, cache)))
    server.sync(def_path, text)
    lines = text.split('\n')
    rows = []
    for name, l1, col, call_lines in _call_positions(fn, lines):
        result = server.request('textDocument/definition', {
            'textDocument': {'uri': 'file://' + def_path}, 'position': {'line': l1 - 1, 'character': col}})
        found = locations(result)
        target_text = fmt_location(found[0][0], found[0][1], cache) if found else '(not resolved)'
        rows.append('%s -> %s\n    called at line(s) %s' % (name, target_text, ', '.join(map(str, call_lines))))
    return capped(
        'Outgoing: calls made by %s (%s:%d), found in its body and resolved with definition:'
        % (fn.name, def_path, fn.lineno),
        rows,
        '%s (%s:%d) makes no calls.' % (fn.name, def_path, fn.lineno),
    )
