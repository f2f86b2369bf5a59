// Learning-rate schedules as pure functions of the global step, so a resumed run needs only its step count to
// continue the schedule where it was.

/** Learning rate at a global step (0-based: the rate used for the step'th update). */
export type Schedule = (step: number) => number;

export type ScheduleSpec =
  | { kind: 'constant' }
  /** Linear warmup from ~0 over `warmupSteps`, then half a cosine from lr down to `minLr` at `totalSteps`. */
  | { kind: 'cosine'; totalSteps: number; warmupSteps?: number; minLr?: number }
  /** lr * gamma^floor(step / every). */
  | { kind: 'step'; every: number; gamma?: number };

export const SCHEDULE_KINDS = ['constant', 'cosine', 'step'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export function constant(lr: number): Schedule {
  return () => lr;
}

export function cosineDecay(lr: number, options: { totalSteps: number; warmupSteps?: number; minLr?: number }): Schedule {
  const warmup = Math.max(0, options.warmupSteps ?? 0);
  const total = Math.max(warmup + 1, options.totalSteps);
  const minLr = options.minLr ?? 0;
  return (step) => {
    if (step < warmup) return (lr * (step + 1)) / warmup;
    const progress = Math.min(1, (step - warmup) / (total - warmup));
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}

export function stepDecay(lr: number, options: { every: number; gamma?: number }): Schedule {
  const every = Math.max(1, options.every);
  const gamma = options.gamma ?? 0.1;
  return (step) => lr * gamma ** Math.floor(step / every);
}

export function createSchedule(spec: ScheduleSpec, lr: number): Schedule {
  switch (spec.kind) {
    case 'constant':
      return constant(lr);
    case 'cosine':
      return cosineDecay(lr, spec);
    case 'step':
      return stepDecay(lr, spec);
  }
}
