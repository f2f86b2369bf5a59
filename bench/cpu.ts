// The CPU line every benchmark prints beside its figures: model name and the vector extensions that decide how
// fast onnxruntime's kernels run (AVX2 / AVX-512 / VNNI), read from /proc/cpuinfo where it exists.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const EXTENSIONS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8'];

/** The vector extensions of the first CPU, in EXTENSIONS order (empty where /proc/cpuinfo is missing). */
export function vectorExtensions(): string[] {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    return EXTENSIONS.filter((e) => flags.includes(e));
  } catch {
    return [];
  }
}

/** e.g. "AMD EPYC, 2 cores, avx2 fma avx512f avx512_vnni" */
export function cpuLine(): string {
  const list = cpus();
  const ext = vectorExtensions();
  return `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, ${ext.length > 0 ? ext.join(' ') : 'vector extensions unknown'}`;
}
