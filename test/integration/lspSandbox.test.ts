// The lsp tool in a real container from the base image (no network): each command's answer on a fixture package,
// a symbol that is not on the line, an edit the server sees, and a killed language server restarted on the next
// call, with the observation saying whether the server was started, found or restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEnvironment } from '../../activities/agent/environment.ts';
import { createToolbox } from '../../activities/agent/toolbox.ts';
import { connectDocker } from '../../infra/docker.ts';
import { toolNamesFor } from '../../activities/trajectory/toolSpecs.ts';
import { writeLspRepo } from '../fixtures/lspRepo.ts';
import { containersOfRun } from './rolloutFixture.ts';
import { startToolSandbox, toolCall } from '../../dev/toolSandbox.ts';

const RUN = 'it-sandbox-lsp';
const SHAPES = '/testbed/pkg/shapes.py';
const USE = '/testbed/pkg/use.py';
let env: SandboxEnvironment;
let toolbox: ReturnType<typeof createToolbox>;
const call = toolCall;
const lsp = async (args: Record<string, unknown>) => (await toolbox.run(call('lsp', args))).observation;
const sh = (command: string) => env.exec(command, { timeoutSec: 30, outputCapBytes: 16384 });

beforeAll(async () => {
  const docker = await connectDocker();
  env = await startToolSandbox(docker, RUN, 'lsp');
  toolbox = createToolbox(env, {
    commandTimeoutSec: 60,
    outputCapBytes: 16384,
    tools: toolNamesFor({ tools: { lsp: true } }),
  });
  await sh(`mkdir -p /testbed && ${writeLspRepo('/testbed')}`);
});
afterAll(async () => {
  await env?.remove();
  expect(await containersOfRun(await connectDocker(), RUN)).toEqual([]);
});

describe('the lsp tool in a sandbox', () => {
  it('has no network, and the first call starts the server; the next finds it', async () => {
    const net = await sh('python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 53), timeout=3)"');
    expect(net.exitCode).not.toBe(0);
    const first = await lsp({ command: 'definition', path: USE, line: 5, symbol: 'make_point' });
    expect(first).toMatch(/^\[lsp: language server started in this sandbox/);
    expect(first).toContain(`${SHAPES}:7: def make_point(x, y):`);
    const again = await lsp({ command: 'definition', path: 'pkg/use.py', line: 6, symbol: 'area' });
    expect(again).not.toContain('[lsp:');
    expect(again).toContain(`${SHAPES}:12: def area(w, h):`);
  });

  it('answers type_definition, hover, references, document and workspace symbols', async () => {
    expect(await lsp({ command: 'type_definition', path: USE, line: 5, symbol: 'p' })).toContain(
      `${SHAPES}:1: class Point:`,
    );
    const hover = await lsp({ command: 'hover', path: USE, line: 5, symbol: 'make_point' });
    expect(hover).toContain('def make_point(x, y)');
    expect(hover).toContain('A Point at (x, y).');
    const refs = await lsp({ command: 'references', path: SHAPES, line: 12, symbol: 'area' });
    for (const l of [
      `${SHAPES}:12: def area(w, h):`,
      `${USE}:6: return area(p.x, p.y)`,
      `${USE}:10: return area(3, 4) + corner()`,
    ])
      expect(refs).toContain(l);
    const symbols = await lsp({ command: 'document_symbols', path: SHAPES });
    expect(symbols).toContain('1: class Point: class Point:');
    expect(symbols).toContain('  2: method __init__: def __init__(self, x, y):');
    expect(symbols).toContain('12: function area: def area(w, h):');
    expect(await lsp({ command: 'workspace_symbols', query: 'make_point' })).toContain(
      `function make_point  ${SHAPES}:7: def make_point(x, y):`,
    );
  });

  it('computes incoming and outgoing calls', async () => {
    const incoming = await lsp({
      command: 'call_hierarchy',
      path: SHAPES,
      line: 12,
      symbol: 'area',
      direction: 'incoming',
    });
    expect(incoming).toContain(`${USE}:4: def corner():  [corner]\n    line 6: return area(p.x, p.y)`);
    expect(incoming).toContain(`${USE}:9: def total():  [total]\n    line 10: return area(3, 4) + corner()`);
    expect(incoming).not.toContain(`[area]`);
    const outgoing = await lsp({
      command: 'call_hierarchy',
      path: USE,
      line: 4,
      symbol: 'corner',
      direction: 'outgoing',
    });
    expect(outgoing).toContain(`make_point -> ${SHAPES}:7: def make_point(x, y):\n    called at line(s) 5`);
    expect(outgoing).toContain(`area -> ${SHAPES}:12: def area(w, h):\n    called at line(s) 6`);
  });

  it('reports syntax errors and sees edits made since the last call', async () => {
    expect(await lsp({ command: 'diagnostics', path: USE })).toContain('No problems reported');
    await sh(`sed -i 's/^def total():/def total(:/' ${USE}`);
    expect(await lsp({ command: 'diagnostics', path: USE })).toMatch(new RegExp(`${USE}:9:\\d+: error: .*[Ss]yntax`));
    await sh(`sed -i 's/^def total(:/def total():/; s/make_point(1, 2)/make_point(1, 2)\\n    q = area(1, 1)/' ${USE}`);
    expect(await lsp({ command: 'references', path: SHAPES, line: 12, symbol: 'area' })).toContain(
      `${USE}:6: q = area(1, 1)`,
    );
  });

  it('a symbol that is not on the line is an error observation naming the line', async () => {
    const out = await toolbox.run(call('lsp', { command: 'definition', path: USE, line: 1, symbol: 'corner' }));
    expect(out.error).toBeDefined();
    expect(out.observation).toBe(
      `Error: symbol "corner" is not on line 1 of ${USE}; line 1 is: from pkg.shapes import make_point, area. It occurs on line(s) 4, 11.`,
    );
  });

  it('restarts a killed language server on the next call and says so', async () => {
    await sh('pkill -f jedi-language-server; sleep 0.5; pgrep -f jedi-language-server || true');
    const out = await lsp({ command: 'definition', path: USE, line: 5, symbol: 'make_point' });
    expect(out).toMatch(/^\[lsp: the language server was not running .*restarted/);
    expect(out).toContain(`${SHAPES}:7: def make_point(x, y):`);
    // The whole daemon gone (a resumed sandbox's processes are killed): the next call restarts it too.
    await sh('kill -KILL $(cat /tmp/swe-forge-lsp/daemon.pid)');
    expect(await lsp({ command: 'hover', path: USE, line: 5, symbol: 'make_point' })).toMatch(/^\[lsp: .*restarted/);
    const again = await toolbox.run(call('lsp', { command: 'hover', path: USE, line: 5, symbol: 'make_point' }));
    expect(again.observation).not.toContain('[lsp:');
    // what the loop records in the tool message's meta.lsp
    expect(again.lsp).toBe('found');
    await sh('pkill -f jedi-language-server; sleep 0.5');
    expect((await toolbox.run(call('lsp', { command: 'hover', path: USE, line: 5, symbol: 'make_point' }))).lsp).toBe(
      'restarted',
    );
  });
});
