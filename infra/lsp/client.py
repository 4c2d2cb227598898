# One lsp tool call inside a sandbox: `python3 /opt/swe-forge/lsp/client.py '<json request>'`. It sends the request
# to the daemon's Unix socket and prints the daemon's JSON answer plus `server`: `found` (the daemon was running),
# `started` (none had run in this container) or `restarted` (one had, and was dead: killed, or the sandbox's
# processes were killed on a mid-episode resume). The sandbox kills each exec's process group when it returns, so
# a daemon it starts is detached: a new session (setsid) and a double fork, stdio on a log file.
import fcntl
import json
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STATE_DIR = os.environ.get('SWE_FORGE_LSP_DIR', '/tmp/swe-forge-lsp')
SOCK = os.path.join(STATE_DIR, 'sock')
PIDFILE = os.path.join(STATE_DIR, 'daemon.pid')
START_TIMEOUT_SEC = 60
REPLY_TIMEOUT_SEC = 600


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(SOCK)
        return s
    except OSError:
        s.close()
        return None


def spawn():
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        log = os.open(os.path.join(STATE_DIR, 'daemon.log'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 1024)
        with open(PIDFILE, 'w') as f:
            f.write(str(os.getpid()))
        os.execv(sys.executable, [sys.executable, os.path.join(HERE, 'daemon.py')])
    finally:
        os._exit(1)


def ensure_daemon():
    """A connected socket and how the daemon was found."""
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(STATE_DIR, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        s = connect()
        if s:
            return s, 'found'
        status = 'restarted' if os.path.exists(PIDFILE) else 'started'
        if os.path.exists(SOCK):
            os.unlink(SOCK)
        spawn()
        deadline = time.monotonic() + START_TIMEOUT_SEC
        while time.monotonic() < deadline:
            s = connect() if os.path.exists(SOCK) else None
            if s:
                return s, status
            time.sleep(0.05)
    tail = ''
    try:
        with open(os.path.join(STATE_DIR, 'daemon.log'), errors='replace') as f:
            tail = f.read()[-800:]
    except OSError:
        pass
    raise RuntimeError('the lsp daemon did not start within %ds. %s' % (START_TIMEOUT_SEC, tail))


def main():
    t0 = time.monotonic()
    try:
        request = json.loads(sys.argv[1])
        s, status = ensure_daemon()
        with s:
            s.settimeout(REPLY_TIMEOUT_SEC)
            s.sendall(json.dumps(request).encode('utf-8') + b'\n')
            data = b''
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        reply = json.loads(data.decode('utf-8'))
        # The daemon says `restarted` itself when it had to start the language server again.
        if status != 'found' or 'server' not in reply:
            reply['server'] = status
    except Exception as e:
        reply = {'ok': False, 'error': 'lsp unavailable: %s' % e, 'server': 'failed'}
    reply['ms'] = int((time.monotonic() - t0) * 1000)
    print(json.dumps(reply))


if __name__ == '__main__':
    main()
