# The lsp daemon inside a sandbox: it runs jedi-language-server over stdio, rooted at /testbed, and answers one JSON
# request per connection on a Unix socket (client.py starts it and sends the requests). It lives for the episode:
# the container's removal ends it. A language server that died (killed by the agent, crashed) is started again on
# the next request, and the answer says so. Standard library only: it runs with the image's python3.
import json
import os
import socket
import subprocess
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import commands  # noqa: E402

STATE_DIR = os.environ.get('SWE_FORGE_LSP_DIR', '/tmp/swe-forge-lsp')
ROOT = os.environ.get('SWE_FORGE_LSP_ROOT', '/testbed')
REQUEST_TIMEOUT_SEC = 60


class LspError(Exception):
    pass


def path_to_uri(path):
    return 'file://' + path


class LanguageServer:
    """One jedi-language-server process and the documents it has been sent."""

    def __init__(self):
        self.proc = None
        self.start()

    def start(self):
        log = open(os.path.join(STATE_DIR, 'server.log'), 'ab')
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'jedi-language-server')],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=ROOT,
        )
        log.close()
        self.next_id = 0
        self.pending = {}
        self.lock = threading.Lock()
        self.cond = threading.Condition()
        self.diagnostics = {}
        self.opened = {}
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        self.request(
            'initialize',
            {
                'processId': os.getpid(),
                'rootUri': path_to_uri(ROOT),
                'workspaceFolders': [{'uri': path_to_uri(ROOT), 'name': 'testbed'}],
                'capabilities': {
                    'textDocument': {
                        'documentSymbol': {'hierarchicalDocumentSymbolSupport': True},
                        'hover': {'contentFormat': ['plaintext', 'markdown']},
                        'publishDiagnostics': {'versionSupport': True},
                    }
                },
                'initializationOptions': {
                    'diagnostics': {'enable': True, 'didOpen': True, 'didChange': True, 'didSave': True},
                    'workspace': {'symbols': {'maxSymbols': 100}},
                },
            },
        )
        self.notify('initialized', {})

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _send(self, msg):
        body = json.dumps(msg).encode('utf-8')
        with self.lock:
            self.proc.stdin.write(b'Content-Length: %d\r\n\r\n' % len(body) + body)
            self.proc.stdin.flush()

    def _read(self, proc):
        out = proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b'content-length:'):
                    length = int(line.split(b':', 1)[1])
            if length is None:
                continue
            self._dispatch(json.loads(out.read(length)))

    def _dispatch(self, msg):
        if 'method' in msg and 'id' in msg:
            # A request from the server (registerCapability, workDoneProgress/create, configuration): accept it.
            self._send({'jsonrpc': '2.0', 'id': msg['id'], 'result': None})
            return
        with self.cond:
            if msg.get('method') == 'textDocument/publishDiagnostics':
                params = msg.get('params', {})
                self.diagnostics[params.get('uri')] = params
            elif 'id' in msg:
                self.pending[msg['id']] = msg
            self.cond.notify_all()

    def request(self, method, params, timeout=REQUEST_TIMEOUT_SEC):
        self.next_id += 1
        rid = self.next_id
        self._send({'jsonrpc': '2.0', 'id': rid, 'method': method, 'params': params})
        with self.cond:
            got = self.cond.wait_for(lambda: rid in self.pending or not self.alive(), timeout)
            if not got:
                raise LspError('the language server did not answer %s within %ds' % (method, timeout))
            msg = self.pending.pop(rid, None)
        if msg is None:
            raise LspError('the language server exited while answering %s' % method)
        if 'error' in msg:
            raise LspError('%s failed: %s' % (method, msg['error'].get('message', msg['error'])))
        return msg.get('result')

    def notify(self, method, params):
        self._send({'jsonrpc': '2.0', 'method': method, 'params': params})

    def sync(self, path, text):
        """Sends the file's current disk content (didOpen, or didChange when the agent edited it); its version."""
        uri = path_to_uri(path)
        known = self.opened.get(uri)
        if known is None:
            self.opened[uri] = (1, text)
            self.notify('textDocument/didOpen', {
                'textDocument': {'uri': uri, 'languageId': 'python', 'version': 1, 'text': text}})
            return 1
        version, sent = known
        if sent != text:
            version += 1
            self.opened[uri] = (version, text)
            self.notify('textDocument/didChange', {
                'textDocument': {'uri': uri, 'version': version}, 'contentChanges': [{'text': text}]})
        return version

    def wait_diagnostics(self, path, version, timeout):
        uri = path_to_uri(path)

        def ready():
            d = self.diagnostics.get(uri)
            return d is not None and (d.get('version') is None or d['version'] >= version)

        with self.cond:
            self.cond.wait_for(ready, timeout)
            return self.diagnostics.get(uri)


def serve():
    os.makedirs(STATE_DIR, exist_ok=True)
    server = LanguageServer()
    sock_path = os.path.join(STATE_DIR, 'sock')
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        with conn:
            data = b''
            while not data.endswith(b'\n'):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            reply = {}
            try:
                if not server.alive():
                    server.start()
                    reply['server'] = 'restarted'
                reply.update(ok=True, text=commands.run(server, json.loads(data.decode('utf-8'))))
            except commands.UserError as e:
                reply.update(ok=False, error=str(e))
            except Exception as e:  # reported to the agent as a failed call; the daemon keeps serving
                traceback.print_exc()
                reply.update(ok=False, error='lsp failed: %s: %s' % (type(e).__name__, e))
            try:
                conn.sendall(json.dumps(reply).encode('utf-8') + b'\n')
            except OSError:
                pass


if __name__ == '__main__':
    serve()
