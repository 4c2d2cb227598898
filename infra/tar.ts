// Just enough tar (ustar) for Docker's archive API: one file in (putArchive), the first file out (getArchive).
// A dependency would do more than we need; this is the whole format we use.

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export interface TarEntry {
  name: string;
  content: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A tar of regular files (parent directories are created by Docker's extraction). Long names use a PAX header. */
export function tarFiles(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    let ustarName = e.name;
    if (Buffer.byteLength(e.name) > 99) {
      const record = (len: number) => `${len} path=${e.name}\n`;
      let len = Buffer.byteLength(record(0));
      while (Buffer.byteLength(record(len)) !== len) len = Buffer.byteLength(record(len));
      const pax = Buffer.from(record(len));
      parts.push(header('././@PaxHeader', pax.length, 0o644, 'x', 0, 0), pad(pax));
      ustarName = e.name.slice(-99).replace(/^\/+/, '');
    }
    parts.push(header(ustarName, e.content.length, e.mode ?? 0o644, '0', e.uid ?? 0, e.gid ?? 0), pad(e.content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function header(name: string, size: number, mode: number, type: string, uid: number, gid: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(uid, 8), 108, 'ascii');
  h.write(octal(gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\x0000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

function pad(b: Buffer): Buffer {
  const rest = b.length % BLOCK;
  return rest ? Buffer.concat([b, Buffer.alloc(BLOCK - rest)]) : b;
}

function readOctal(h: Buffer, at: number, len: number): number {
  const s = h
    .subarray(at, at + len)
    .toString('ascii')
    .replace(/\0.*$/, '')
    .trim();
  return s ? parseInt(s, 8) : 0;
}

/** The content of the first regular file in a tar (what getArchive returns for a file path), or undefined. */
export function untarFirstFile(tar: Buffer): { name: string; content: Buffer; type: string } | undefined {
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return undefined;
    const size = readOctal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const body = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (type === '0' || type === '7') return { name, content: Buffer.from(body), type };
    if (type === '5' || type === '2') return { name, content: Buffer.alloc(0), type };
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}
