/**
 * Test support: real image files of a stated size, generated in memory, and a reader of
 * image dimensions to assert on downloaded artwork.
 *
 * - `makeJpeg(width, height)`: a valid baseline grey JPEG (every 8×8 block is a flat
 *   grey, two bits each), so even 4000×6000 stays around 90 KB.
 * - `makePng(width, height)`: a valid 1-bit greyscale PNG.
 * - `imageSize(bytes)`: `{ format: 'jpeg' | 'png', width, height }` from the header, or
 *   null when the bytes are neither.
 *
 * @example
 * ```ts
 * const bytes = makeJpeg(1000, 1500);
 * expect(imageSize(readFileSync(poster))).toEqual({ format: 'jpeg', width: 1000, height: 1500 });
 * ```
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`Image size ${width}x${height} must be whole numbers from 1 to 65535`);
  }
}

/** A valid 1-bit greyscale PNG of the given size (all black). */
export function makePng(width: number, height: number): Buffer {
  checkSize(width, height);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  const rowBytes = Math.ceil(width / 8) + 1; // +1: the filter-type byte of each row
  const raw = Buffer.alloc(rowBytes * height); // zeros: filter "none", black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function segment(marker: number, payload: number[]): Buffer {
  const length = payload.length + 2;
  return Buffer.from([0xff, marker, length >> 8, length & 0xff, ...payload]);
}

/**
 * A valid baseline greyscale JPEG of the given size. Both Huffman tables hold one code
 * ("0"): DC difference 0 and end-of-block, so each block is two zero bits.
 */
export function makeJpeg(width: number, height: number): Buffer {
  checkSize(width, height);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bits = blocks * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8));
  const spare = scan.length * 8 - bits;
  // Pad the last byte with 1-bits, as the standard asks; zero bytes never need stuffing.
  if (spare > 0) scan[scan.length - 1] = (1 << spare) - 1;
  const huffman = (tableClass: number) => [tableClass << 4, 1, ...new Array<number>(15).fill(0), 0];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, huffman(0)),
    segment(0xc4, huffman(1)),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** Format and pixel size read from a JPEG or PNG header; null for anything else. */
export function imageSize(bytes: Uint8Array): { format: 'jpeg' | 'png'; width: number; height: number } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString('ascii', 12, 16) === 'IHDR') {
    return { format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let offset = 2;
  while (offset + 9 < buf.length) {
    if (buf[offset] !== 0xff) return null;
    const marker = buf[offset + 1] ?? 0;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { format: 'jpeg', height: buf.readUInt16BE(offset + 5), width: buf.readUInt16BE(offset + 7) };
    offset += 2 + buf.readUInt16BE(offset + 2);
  }
  return null;
}
