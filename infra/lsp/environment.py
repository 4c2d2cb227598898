# Run once when a published image is derived (infra/images/lspProbeScript.ts), by the python chosen for the helper:
# `python environment.py <the task's python>`. Writes workspace.json next to it, which daemon.py hands to
# jedi-language-server as its `workspace` options, so definitions into the task's installed packages resolve.
# jedi analyses an environment through a subprocess of that python, which needs a version jedi supports: an older
# one (SWE-bench's testbed envs go back to 3.5) gets its sys.path as extraPaths instead, which jedi only parses.
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'site'))


def workspace(python):
    import jedi

    try:
        env = jedi.create_environment(python, safe=False)
        env.get_sys_path()
        return {'environmentPath': python}, 'environment %s (python %s)' % (python, env.version_info)
    except Exception as err:  # noqa: BLE001 - any failure means jedi cannot run that python; fall back
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    out = subprocess.run(
        [python, '-c', 'import sys\nfor p in sys.path: print(p)'], capture_output=True, text=True, timeout=60
    )
    paths = [p for p in out.stdout.splitlines() if p and os.path.isdir(p) and p != '/testbed']
    return {'extraPaths': paths}, 'extraPaths from %s (%d paths; jedi cannot run it: %s)' % (python, len(paths), reason)


def main():
    options, note = workspace(sys.argv[1])
    with open(os.path.join(HERE, 'workspace.json'), 'w') as f:
        json.dump(options, f)
    print('LSP_WORKSPACE %s' % note)


if __name__ == '__main__':
    main()
