// The head+tail cap of huge outputs, and the tar helpers the sandbox's file copy relies on.
import { describe, expect, it } from 'vitest';
import { CappedBuffer, capText } from '../../../core/outputCap.ts';
import { tarFiles, untarFirstFile } from '../../../infra/tar.ts';

describe('CappedBuffer', () => {
  it('keeps output under the cap whole', () => {
    expect(capText('hello', 100)).toEqual({ text: 'hello', truncatedBytes: 0 });
  });

  it('keeps the head and the tail of a large stream in bounded memory and says how much was cut', () => {
    const buf = new CappedBuffer(100);
    buf.push(Buffer.from('HEAD'));
    for (let i = 0; i < 10_000; i++) buf.push(Buffer.alloc(1000, 'x'));
    buf.push(Buffer.from('TAIL'));
    const text = buf.toString();
    expect(buf.total).toBe(10_000_008);
    expect(buf.truncatedBytes).toBe(10_000_008 - 100);
    expect(text.startsWith('HEAD')).toBe(true);
    expect(text.endsWith('TAIL')).toBe(true);
    expect(text).toContain(`[... ${10_000_008 - 100} bytes of output cut ...]`);
  });
});

describe('tar', () => {
  it('round-trips a file, a long path (PAX header) and binary content', () => {
    const long = `${'d/'.repeat(80)}file.bin`;
    const content = Buffer.from([0, 1, 2, 255, 10]);
    expect(untarFirstFile(tarFiles([{ name: 'a/b.txt', content: Buffer.from('hi') }]))).toMatchObject({
      name: 'a/b.txt',
      content: Buffer.from('hi'),
    });
    expect(untarFirstFile(tarFiles([{ name: long, content }]))!.content).toEqual(content);
  });
});
