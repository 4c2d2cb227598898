# The lsp tool's commands over a running language server (daemon.py). A position is given as a file, a 1-indexed
# line and a symbol on that line (the column is found from the symbol, as SWE-Master's tool does); answers are
# paths with 1-indexed line numbers and the source lines. Anything the agent got wrong raises UserError, which
# becomes the call's observation. jedi-language-server has no call hierarchy, so callhier.py computes it.
import os
import re
from urllib.parse import unquote, urlparse

import callhier

ROOT = os.environ.get('SWE_FORGE_LSP_ROOT', '/testbed')
MAX_RESULTS = 50
DIAGNOSTICS_WAIT_SEC = 5
SYMBOL_KINDS = {
    1: 'file', 2: 'module', 3: 'namespace', 4: 'package', 5: 'class', 6: 'method', 7: 'property', 8: 'field',
    9: 'constructor', 10: 'enum', 11: 'interface', 12: 'function', 13: 'variable', 14: 'constant', 15: 'string',
    16: 'number', 17: 'boolean', 18: 'array', 22: 'enum member', 23: 'struct', 24: 'event', 25: 'operator',
    26: 'type parameter',
}


class UserError(Exception):
    pass


def resolve(path):
    if not isinstance(path, str) or not path:
        raise UserError('"path" is required')
    full = os.path.normpath(path if os.path.isabs(path) else os.path.join(ROOT, path))
    if not os.path.isfile(full):
        raise UserError('%s is not a file' % full)
    return full


def read(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def source_line(path, line0, cache):
    if path not in cache:
        try:
            cache[path] = read(path).split('\n')
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line0].strip() if 0 <= line0 < len(lines) else ''


def fmt_location(path, line0, cache):
    return '%s:%d: %s' % (path, line0 + 1, source_line(path, line0, cache))


def utf16_len(s):
    return len(s.encode('utf-16-le')) // 2


def find_symbol(text, path, line, symbol):
    """The LSP position of `symbol` on 1-indexed `line` (a dotted name points at its last part)."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise UserError('"symbol" is required')
    lines = text.split('\n')
    if not isinstance(line, int) or line < 1 or line > len(lines):
        raise UserError('line %s is out of range: %s has %d lines' % (line, path, len(lines)))
    name = symbol.strip().rstrip('()')
    last = name.split('.')[-1]
    word = re.compile(r'(?<![\w])' + re.escape(name) + r'(?![\w])')
    m = word.search(lines[line - 1])
    if not m:
        elsewhere = [str(i + 1) for i, t in enumerate(lines) if word.search(t)][:8]
        hint = ' It occurs on line(s) %s.' % ', '.join(elsewhere) if elsewhere else ' It does not occur in the file.'
        raise UserError('symbol "%s" is not on line %d of %s; line %d is: %s.%s'
                        % (symbol, line, path, line, lines[line - 1].strip(), hint))
    col = m.start() + len(name) - len(last)
    return {'line': line - 1, 'character': utf16_len(lines[line - 1][:col])}


def locations(result):
    """(path, 0-indexed line) of a Location, Location[] or LocationLink[] answer."""
    if result is None:
        return []
    items = result if isinstance(result, list) else [result]
    out = []
    for it in items:
        uri = it.get('targetUri') or it.get('uri')
        rng = it.get('targetSelectionRange') or it.get('range')
        if uri and uri.startswith('file://') and rng:
            out.append((uri_to_path(uri), rng['start']['line']))
    return out


def uri_to_path(uri):
    return unquote(urlparse(uri).path)


def capped(header, rows, empty):
    if not rows:
        return empty
    more = '\n[%d more not shown]' % (len(rows) - MAX_RESULTS) if len(rows) > MAX_RESULTS else ''
    return header + '\n' + '\n'.join(rows[:MAX_RESULTS]) + more


def at(server, req):
    path = resolve(req.get('path'))
    text = read(path)
    pos = find_symbol(text, path, req.get('line'), req.get('symbol'))
    server.sync(path, text)
    return path, {'textDocument': {'uri': 'file://' + path}, 'position': pos}


def goto(server, req, method, what):
    path, params = at(server, req)
    cache = {}
    rows = [fmt_location(p, l, cache) for p, l in locations(server.request(method, params))]
    where = '"%s" at %s:%s' % (req['symbol'], path, req['line'])
    return capped('%s of %s:' % (what, where), rows, 'No %s found for %s.' % (what.lower(), where))


def hover(server, req):
    path, params = at(server, req)
    result = server.request('textDocument/hover', params)
    contents = (result or {}).get('contents')
    if isinstance(contents, dict):
        contents = contents.get('value', '')
    elif isinstance(contents, list):
        contents = '\n'.join(c if isinstance(c, str) else c.get('value', '') for c in contents)
    where = '"%s" at %s:%s' % (req['symbol'], path, req['line'])
    return 'Hover for %s:\n%s' % (where, contents.strip()) if contents else 'No hover information for %s.' % where


def references(server, req):
    path, params = at(server, req)
    params['context'] = {'includeDeclaration': True}
    cache = {}
    rows = [fmt_location(p, l, cache) for p, l in locations(server.request('textDocument/references', params))]
    where = '"%s" at %s:%s' % (req['symbol'], path, req['line'])
    return capped('References to %s (%d):' % (where, len(rows)), rows, 'No references found for %s.' % where)


def document_symbols(server, req):
    path = resolve(req.get('path'))
    text = read(path)
    server.sync(path, text)
    result = server.request('textDocument/documentSymbol', {'textDocument': {'uri': 'file://' + path}}) or []
    cache = {path: text.split('\n')}
    rows = []

    def walk(items, depth):
        for s in items:
            rng = s.get('selectionRange') or s.get('range') or s.get('location', {}).get('range')
            line0 = rng['start']['line']
            kind = SYMBOL_KINDS.get(s.get('kind'), 'symbol')
            rows.append('%s%d: %s %s: %s' % ('  ' * depth, line0 + 1, kind, s['name'], source_line(path, line0, cache)))
            walk(s.get('children') or [], depth + 1)

    walk(result, 0)
    return capped('Symbols in %s (line: kind name: source):' % path, rows, 'No symbols in %s.' % path)


def workspace_symbols(server, req):
    query = req.get('query')
    if not isinstance(query, str) or not query.strip():
        raise UserError('"query" is required for workspace_symbols')
    result = server.request('workspace/symbol', {'query': query.strip()}) or []
    cache = {}
    rows = []
    for s in result:
        for p, l in locations(s.get('location')):
            rows.append('%s %s  %s' % (SYMBOL_KINDS.get(s.get('kind'), 'symbol'), s['name'], fmt_location(p, l, cache)))
    return capped('Symbols matching "%s" in %s:' % (query, ROOT), rows, 'No symbols match "%s" in %s.' % (query, ROOT))


def diagnostics(server, req):
    path = resolve(req.get('path'))
    version = server.sync(path, read(path))
    got = server.wait_diagnostics(path, version, DIAGNOSTICS_WAIT_SEC)
    if got is None:
        return 'The language server published no diagnostics for %s within %ds.' % (path, DIAGNOSTICS_WAIT_SEC)
    cache = {}
    rows = []
    for d in got.get('diagnostics', []):
        start = d['range']['start']
        sev = {1: 'error', 2: 'warning', 3: 'info', 4: 'hint'}.get(d.get('severity'), 'error')
        rows.append('%s:%d:%d: %s: %s\n    %s' % (path, start['line'] + 1, start['character'] + 1, sev,
                                                 d.get('message', ''), source_line(path, start['line'], cache)))
    return capped('Diagnostics for %s:' % path, rows,
                  'No problems reported in %s (jedi-language-server reports syntax errors).' % path)


def call_hierarchy(server, req):
    direction = req.get('direction') or 'incoming'
    if direction not in ('incoming', 'outgoing'):
        raise UserError('"direction" must be incoming or outgoing')
    path, params = at(server, req)
    cache = {}
    if direction == 'incoming':
        # The server lists the definition among the references whatever includeDeclaration says: drop it.
        defs = set(locations(server.request('textDocument/definition', params)))
        params['context'] = {'includeDeclaration': False}
        refs = [r for r in locations(server.request('textDocument/references', params)) if r not in defs]
        return callhier.incoming(req['symbol'], path, req['line'], refs, cache, MAX_RESULTS)
    defs = locations(server.request('textDocument/definition', params))
    return callhier.outgoing(server, req['symbol'], path, req['line'], defs, cache, MAX_RESULTS, UserError)


COMMANDS = {
    'definition': lambda s, r: goto(s, r, 'textDocument/definition', 'Definition'),
    'type_definition': lambda s, r: goto(s, r, 'textDocument/typeDefinition', 'Type definition'),
    'hover': hover,
    'references': references,
    'document_symbols': document_symbols,
    'workspace_symbols': workspace_symbols,
    'call_hierarchy': call_hierarchy,
    'diagnostics': diagnostics,
}


def run(server, req):
    command = req.get('command')
    if command not in COMMANDS:
        raise UserError('unknown command %r; the commands are %s' % (command, ', '.join(COMMANDS)))
    return COMMANDS[command](server, req)
