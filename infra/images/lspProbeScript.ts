// Run after the scrub in the container that derives a published image, with the lsp layer (lsp-layer.sh's tarball)
// already copied to /opt/swe-forge/lsp. The helper needs a python >= 3.10 that can import jedi-language-server from
// the layer; published images have several pythons (conda's base, the testbed env at any version from 3.5, maybe
// Debian's), so each candidate is tried and the first that works becomes /opt/swe-forge/lsp/python, the command
// the lsp tool runs. jedi is pointed at the task's environment (environment.py writes workspace.json). With no
// such python the layer is removed, leaving only `unavailable` (the reason, which the tool's answer quotes).
// Prints `LSP_PYTHON <path>` or `LSP_NONE <reason>`.
export const LSP_PROBE_SCRIPT = String.raw`lsp=/opt/swe-forge/lsp
if [ -f "$lsp/client.py" ]; then
  chosen=
  tried=
  for py in /opt/miniconda3/bin/python3 /opt/conda/bin/python3 /usr/local/bin/python3 /usr/bin/python3 \
      /opt/miniconda3/envs/testbed/bin/python /opt/conda/envs/testbed/bin/python; do
    [ -x "$py" ] || continue
    v=$("$py" --version 2>&1 | head -n 1 || true)
    tried="$tried $py ($v);"
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null &&
      PYTHONPATH= "$py" -c "import sys; sys.path.insert(0, '$lsp/site'); import jedi_language_server.cli" 2>/dev/null; then
      chosen=$py
      break
    fi
  done
  if [ -n "$chosen" ]; then
    printf '#!/bin/sh\nexec %s "$@"\n' "$chosen" > "$lsp/python"
    chmod 755 "$lsp/python"
    echo "LSP_PYTHON $chosen"
    for env in /opt/miniconda3/envs/testbed /opt/conda/envs/testbed; do
      if [ -x "$env/bin/python" ]; then
        PYTHONPATH= "$lsp/python" "$lsp/environment.py" "$env/bin/python" || echo "LSP_WORKSPACE none (environment.py failed)"
        break
      fi
    done
  else
    [ -n "$tried" ] || tried=' none'
    reason="this image has no python >= 3.10 that can run jedi-language-server (tried:$tried)"
    rm -rf "$lsp"
    mkdir -p "$lsp"
    echo "$reason" > "$lsp/unavailable"
    echo "LSP_NONE $reason"
  fi
fi
`;
