// Photos go from the HTTP process to a worker as raw bytes on a pipe of their own, beside the IPC channel that
// carries each request and its photos' sizes. Inside an IPC message an upload was copied at least four times on the way (the
// serializer's growing buffer, the framing, the receiver's reassembly, the deserializer); on the pipe the sender
// copies nothing and the receiver joins the chunks once. With uploads of ~1 MB that cut the CPU per request and
// the garbage collections that every megabyte of Buffers brings (BENCHMARKS.md, issue 13).
import type { Readable, Writable } from 'node:stream';

/** Queues the photos' bytes on the pipe, in order, without copying them (the caller must not change them meanwhile). */
export function writePhotos(pipe: Writable, photos: readonly Uint8Array[]): void {
  for (const photo of photos) if (photo.byteLength > 0) pipe.write(photo);
}

interface Pending {
  sizes: readonly number[];
  total: number;
  resolve(photos: Uint8Array[]): void;
}

/** The receiving end: `next(sizes)` resolves to the next photos written, split by their sizes. Calls are answered in order. */
export class PhotoReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private readonly waiting: Pending[] = [];

  constructor(pipe: Readable) {
    pipe.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.have += chunk.length;
      this.deliver();
    });
  }

  next(sizes: readonly number[]): Promise<Uint8Array[]> {
    if (sizes.some((size) => !Number.isInteger(size) || size < 0)) return Promise.reject(new Error(`bad photo sizes ${JSON.stringify(sizes)}`));
    return new Promise((resolve) => {
      this.waiting.push({ sizes, total: sizes.reduce((sum, size) => sum + size, 0), resolve });
      this.deliver();
    });
  }

  private deliver(): void {
    while (this.waiting.length > 0 && this.have >= this.waiting[0]!.total) {
      const { sizes, total, resolve } = this.waiting.shift()!;
      const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
      const rest = joined.subarray(total);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.have = rest.length;
      let at = 0;
      resolve(sizes.map((size) => joined.subarray(at, (at += size))));
    }
  }
}
