// The slice of onnxruntime's API (onnxruntime-common, shared by onnxruntime-node and onnxruntime-web) that the
// detector and the age model use, as structural types: the shared code runs on either runtime without importing
// one.
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtValueMetadata {
  readonly isTensor: boolean;
  readonly shape?: readonly (number | string)[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtRuntime {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** Runs `session` on one float32 input and returns every output as a Float32Array, by name. */
export async function runFloat32(runtime: OrtRuntime, session: OrtSession, data: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>> {
  const result = await session.run({ [session.inputNames[0]!]: new runtime.Tensor('float32', data, dims) });
  return Object.fromEntries(session.outputNames.map((name) => [name, result[name]!.data as Float32Array]));
}

/**
 * One input buffer kept between runs. A 512 x 512 SSD input is 3 MB: allocating one per photo made V8 collect
 * garbage (a full mark-compact, for the external memory) about twice as often. A run that starts while another
 * holds the buffer, or needs another length, gets a new one, so concurrent calls never share one. Whoever takes
 * the buffer must write all of it.
 */
export class SpareBuffer {
  private spare: Float32Array | undefined;

  take(length: number): Float32Array {
    const buffer = this.spare?.length === length ? this.spare : new Float32Array(length);
    if (buffer === this.spare) this.spare = undefined;
    return buffer;
  }

  give(buffer: Float32Array): void {
    this.spare = buffer;
  }
}
