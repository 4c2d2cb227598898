// The file_editor tool: reads the file from the container, applies a pure operation from core/editor.ts, writes
// the result back. Every failure is an observation; only transport errors (InfraError) escape.
import { posix } from 'node:path';
import { createFile, EditHistory, insertLines, strReplace, viewFile, type EditorResult } from '../../core/editor.ts';
import { FileTooLargeError, FileWriteError, NotAFileError, type Environment } from './protocols.ts';

export interface ToolOutcome {
  observation: string;
  submitted?: boolean;
  refused?: string;
  error?: string;
  /** The call itself was malformed (unknown tool, missing or mistyped arguments): counts as a format error. */
  malformed?: boolean;
  /** lsp: whether the call found the language server running, started it, or restarted it (trajectory meta). */
  lsp?: 'found' | 'started' | 'restarted';
}

const fail = (error: string): ToolOutcome => ({ observation: `Error: ${error}`, error });
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Text the editor may touch: no NUL bytes, valid UTF-8 (a lossy round trip would corrupt the file). */
function asText(path: string, buf: Buffer): string | ToolOutcome {
  if (buf.includes(0)) return fail(`${path} is a binary file; the editor handles text files only`);
  const text = buf.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buf)) return fail(`${path} is not valid UTF-8; use bash to change it`);
  return text;
}

export function createFileEditor(env: Environment, o: { outputCapBytes: number; timeoutSec: number }) {
  const history = new EditHistory();

  async function read(path: string): Promise<string | null | ToolOutcome> {
    try {
      const buf = await env.readFile(path);
      return buf === null ? null : asText(path, buf);
    } catch (err) {
      if (err instanceof NotAFileError) return fail(`${path} is a directory`);
      if (err instanceof FileTooLargeError) return fail(err.message);
      throw err;
    }
  }

  async function listDirectory(path: string): Promise<ToolOutcome> {
    const cmd = `find ${shellQuote(path)} -maxdepth 2 -not -path '*/.*' | sort | head -n 300`;
    const r = await env.exec(cmd, { timeoutSec: o.timeoutSec, outputCapBytes: o.outputCapBytes });
    return {
      observation: `Files and directories up to 2 levels deep in ${path} (hidden ones left out):\n${r.output.trimEnd()}`,
    };
  }

  async function apply(path: string, before: string | null, result: EditorResult): Promise<ToolOutcome> {
    if (!result.ok) return fail(result.error);
    if (result.write !== undefined) {
      try {
        await env.writeFile(path, result.write);
      } catch (err) {
        if (err instanceof FileWriteError) return fail(err.message);
        throw err;
      }
      history.record(path, before);
    }
    return { observation: result.observation };
  }

  return async function fileEditor(args: Record<string, unknown>): Promise<ToolOutcome> {
    const command = args.command as string;
    const path = posix.resolve(env.workdir, args.path as string);
    if (command === 'undo_edit') {
      const undo = history.undo(path);
      if (!undo.ok) return fail(undo.error);
      if (undo.restore === null) await env.deleteFile(path);
      else await env.writeFile(path, undo.restore);
      return { observation: `Reverted the last edit of ${path}.` };
    }
    if (command === 'view') {
      try {
        const buf = await env.readFile(path);
        if (buf === null) return fail(`${path} does not exist`);
        const text = asText(path, buf);
        return typeof text === 'string' ? apply(path, text, viewFile(path, text, args.view_range)) : text;
      } catch (err) {
        if (err instanceof NotAFileError) return listDirectory(path);
        if (err instanceof FileTooLargeError) return fail(err.message);
        throw err;
      }
    }
    const current = await read(path);
    if (current !== null && typeof current !== 'string') return current;
    if (command === 'create') {
      if (typeof args.file_text !== 'string') return fail('file_editor create requires "file_text"');
      return apply(path, current, createFile(path, current, args.file_text));
    }
    if (current === null) return fail(`${path} does not exist (use command "create" to make it)`);
    if (command === 'str_replace') {
      if (typeof args.old_str !== 'string') return fail('file_editor str_replace requires "old_str"');
      const newStr = typeof args.new_str === 'string' ? args.new_str : '';
      return apply(path, current, strReplace(path, current, args.old_str, newStr));
    }
    if (command === 'insert') {
      if (typeof args.new_str !== 'string') return fail('file_editor insert requires "new_str"');
      if (args.insert_line === undefined) return fail('file_editor insert requires "insert_line"');
      return apply(path, current, insertLines(path, current, args.insert_line, args.new_str));
    }
    return fail(`unknown file_editor command ${JSON.stringify(command)}`);
  };
}
