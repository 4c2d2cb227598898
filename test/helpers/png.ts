// A minimal PNG reader for tests: checks the signature and the CRC of every chunk, reads IHDR, inflates the image
// data and checks it holds exactly height scanlines of the declared width (i.e. the file really decodes).
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export function decodePng(buf: Buffer): { width: number; height: number; colorType: number; bitDepth: number } {
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  let off = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString('latin1');
    const data = buf.subarray(off + 8, off + 8 + len);
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== buf.readUInt32BE(off + 8 + len))
      throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ihdr || !ended || !idat.length) throw new Error('PNG lacks IHDR, IDAT or IEND');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8]!;
  const colorType = ihdr[9]!;
  const rowBytes = Math.ceil((width * CHANNELS[colorType]! * bitDepth) / 8);
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (rowBytes + 1))
    throw new Error(`image data is ${raw.length} bytes, expected ${height * (rowBytes + 1)}`);
  return { width, height, colorType, bitDepth };
}
