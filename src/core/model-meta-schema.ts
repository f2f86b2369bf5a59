// The schema of howold.json, checked wherever a model folder is opened (Node and the browser), so a hand-edited or
// foreign file fails at load with the field that is wrong, not later as NaN ages. No Node imports: the browser
// entry shares it.
import { z } from 'zod';
import { FACE_ALIGNS } from '../image/align.js';
import { HowoldError } from './errors.js';
import type { Preprocessing } from './types.js';
import type { ModelMeta } from './model-meta.js';

/** The howold.json version this howold reads. */
export const MODEL_META_VERSION = 1;

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const readout = z.enum(['mean', 'median']);

const schema = z.object({
  format: z.literal('howold-model'),
  version: z.literal(MODEL_META_VERSION),
  name: z.string().min(1),
  preprocessing: z.object({
    inputSize: z.int().min(8).max(1024),
    mean: rgb,
    std: rgb.refine((s) => s.every((v) => v > 0), 'std must be > 0'),
    margin: z.number().positive().max(10),
    align: z.enum(FACE_ALIGNS as [Preprocessing['align'], ...Preprocessing['align'][]]),
    fill: z.enum(['edge', 'reflect']).optional(),
  }),
  outputs: z.object({ ageClasses: z.int().min(2).max(1000), gender: z.boolean() }),
  training: z.record(z.string(), z.unknown()).optional(),
  calibration: z
    .object({
      method: z.literal('temperature'),
      temperature: z.number().positive().max(100),
      fittedOn: z.string(),
      n: z.int().nonnegative(),
      interval: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
      coverageBefore: z.number(),
      coverageAfter: z.number(),
      readout: readout.optional(),
      readoutMae: z.record(readout, z.number()).optional(),
      sizeScaling: z
        .object({ referenceWidth: z.number().positive().max(10_000), exponent: z.number().min(0).max(5), fittedOn: z.string(), n: z.int().nonnegative() })
        .optional(),
    })
    .optional(),
  // free-form: written by training (a NaN metric is null in JSON)
  metrics: z.record(z.string(), z.unknown()).optional(),
  epoch: z.number().optional(),
  step: z.number().optional(),
  savedAt: z.string(),
});

/**
 * `value` (a parsed howold.json) as a ModelMeta, or a one-line HowoldError naming `where` and the first wrong field;
 * a version this howold does not know is its own error ('unsupported_model_version').
 */
export function parseModelMeta(value: unknown, where: string): ModelMeta {
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== MODEL_META_VERSION) {
    throw new HowoldError('unsupported_model_version', `howold.json is version ${version}; this howold reads version ${MODEL_META_VERSION}`, where);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : 'the file';
    throw new HowoldError('bad_model', `howold.json: ${field}: ${issue.message}`, where);
  }
  return result.data as ModelMeta;
}
