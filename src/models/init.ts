import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/**
 * Weight initialisers seeded per layer when a seed is given (tfjs-layers draws unseeded ones from Math.random),
 * so `createModel(name, {seed})` is reproducible. Undefined means the layer's default (Keras' glorot uniform).
 */
export function seededInit(seed: number | undefined): (kind: 'glorot' | 'he') => Initializer | undefined {
  let layer = 0;
  return (kind) => {
    if (seed === undefined) return kind === 'he' ? tf.initializers.heNormal({}) : undefined;
    const s = seed * 1000 + layer++;
    return kind === 'he' ? tf.initializers.heNormal({ seed: s }) : tf.initializers.glorotUniform({ seed: s });
  };
}
