import { describe, expect, it } from 'vitest';
import { createFile, EditHistory, insertLines, numberLines, strReplace, viewFile } from '../../../core/editor.ts';

const src = 'def f(x):\n    return x + 1\n\n\ndef g(x):\n    return x + 1\n';

describe('viewFile', () => {
  it('numbers lines like cat -n without an extra line for the trailing newline', () => {
    const r = viewFile('/t/a.py', 'a\nb\n');
    expect(r).toEqual({ ok: true, observation: 'Here is /t/a.py with line numbers:\n     1\ta\n     2\tb' });
  });

  it('shows a range, with -1 meaning the end', () => {
    const r = viewFile('/t/a.py', src, [5, -1]);
    expect(r.ok && r.observation).toBe('Here is /t/a.py lines 5-6:\n     5\tdef g(x):\n     6\t    return x + 1');
  });

  it('rejects ranges outside the file or malformed', () => {
    expect(viewFile('/t/a.py', src, [0, 2])).toMatchObject({ ok: false, error: expect.stringMatching(/1\.\.6/) });
    expect(viewFile('/t/a.py', src, [3, 99])).toMatchObject({ ok: false });
    expect(viewFile('/t/a.py', src, [4, 2])).toMatchObject({ ok: false });
    expect(viewFile('/t/a.py', src, ['1', 2])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/two integers/),
    });
  });

  it('views an empty file', () => {
    expect(viewFile('/t/e', '')).toMatchObject({ ok: true, observation: 'Here is /t/e with line numbers:\n' });
  });
});

describe('createFile', () => {
  it('creates a new file and refuses to overwrite', () => {
    expect(createFile('/t/n.py', null, 'x = 1\n')).toMatchObject({ ok: true, write: 'x = 1\n' });
    expect(createFile('/t/n.py', '', 'x')).toMatchObject({ ok: false, error: expect.stringMatching(/already exists/) });
  });
});

describe('strReplace', () => {
  it('replaces a unique match and shows the edited region with line numbers', () => {
    const r = strReplace('/t/a.py', src, 'def g(x):\n    return x + 1', 'def g(x):\n    return x + 2');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.write).toBe('def f(x):\n    return x + 1\n\n\ndef g(x):\n    return x + 2\n');
    expect(r.observation).toContain('     6\t    return x + 2');
    expect(r.observation).toContain('     2\t    return x + 1');
  });

  it('refuses an ambiguous match and says where the matches are', () => {
    const r = strReplace('/t/a.py', src, '    return x + 1', '    return x');
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/occurs 2 times .*lines 2, 6/) });
  });

  it('refuses a missing match and an empty old_str', () => {
    expect(strReplace('/t/a.py', src, 'return y', 'z')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not found/),
    });
    expect(strReplace('/t/a.py', src, '', 'z')).toMatchObject({ ok: false, error: expect.stringMatching(/empty/) });
  });

  it('treats special replacement patterns literally', () => {
    const r = strReplace('/t/a', 'price = X\n', 'X', "'$&$1'");
    expect(r.ok && r.write).toBe("price = '$&$1'\n");
  });

  it('can delete text', () => {
    const r = strReplace('/t/a', 'a\nb\nc\n', 'b\n', '');
    expect(r.ok && r.write).toBe('a\nc\n');
  });
});

describe('insertLines', () => {
  it('inserts after the given line, 0 meaning the top', () => {
    expect(insertLines('/t/a', 'a\nb\n', 1, 'X')).toMatchObject({ ok: true, write: 'a\nX\nb\n' });
    expect(insertLines('/t/a', 'a\nb\n', 0, 'X\nY')).toMatchObject({ ok: true, write: 'X\nY\na\nb\n' });
    expect(insertLines('/t/a', 'a\nb\n', 2, 'Z')).toMatchObject({ ok: true, write: 'a\nb\nZ\n' });
    expect(insertLines('/t/a', 'a\nb', 2, 'Z')).toMatchObject({ ok: true, write: 'a\nb\nZ' });
  });

  it('rejects a line outside 0..n', () => {
    expect(insertLines('/t/a', 'a\nb\n', 3, 'X')).toMatchObject({ ok: false, error: expect.stringMatching(/0\.\.2/) });
    expect(insertLines('/t/a', 'a\n', -1, 'X')).toMatchObject({ ok: false });
    expect(insertLines('/t/a', 'a\n', 1.5, 'X')).toMatchObject({ ok: false });
  });
});

describe('EditHistory', () => {
  it('undoes edits in reverse order, per path, including a creation', () => {
    const h = new EditHistory();
    h.record('/t/a', 'v1');
    h.record('/t/a', 'v2');
    h.record('/t/new', null);
    expect(h.undo('/t/a')).toEqual({ ok: true, restore: 'v2' });
    expect(h.undo('/t/new')).toEqual({ ok: true, restore: null });
    expect(h.undo('/t/a')).toEqual({ ok: true, restore: 'v1' });
    expect(h.undo('/t/a')).toMatchObject({ ok: false, error: expect.stringMatching(/no edit to undo/) });
  });
});

describe('numberLines', () => {
  it('pads numbers to six columns', () => {
    expect(numberLines(['x'], 123456)).toBe('123456\tx');
  });
});
