// What the saving callbacks (Checkpoint, BestModel) write into howold.json.
import type { ModelMetaInput } from '../../models/model-folder.js';
import type { EpochLogs, FitContext } from '../types.js';

/** How a run is described in the howold.json of checkpoints and saved models. */
export type MetaFactory = (ctx: FitContext, metrics?: Record<string, number>) => ModelMetaInput;

/** The numeric fields of an epoch's logs, as howold.json's metrics. */
export function metricsOf(logs: EpochLogs): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number') out[k] = v;
  return out;
}
