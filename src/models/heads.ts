// Which of a model's outputs is the age head (the output named 'age', or the only output) and which the optional
// gender head: read by training, the callbacks and saving (howold.json's `outputs`).
import type { tf } from '../tf/backend.js';

/** The model's age head (the output named 'age', or the only output) and optional gender head. */
export interface Heads {
  age: number;
  gender?: number;
  classes: number;
}

export function findHeads(model: tf.LayersModel): Heads {
  const names = model.outputNames;
  let age = names.indexOf('age');
  if (age < 0) {
    if (names.length !== 1) throw new Error(`model has outputs ${names.join(', ')} but none named 'age'`);
    age = 0;
  }
  const gender = names.indexOf('gender');
  const shape = model.outputs[age]!.shape;
  const classes = shape[shape.length - 1];
  if (typeof classes !== 'number' || classes < 2) throw new Error(`age output has shape [${shape.join(', ')}]`);
  return { age, gender: gender >= 0 ? gender : undefined, classes };
}

/**
 * Layer names made unique by _1, _2 ...: the ONNX graph's value names (and so its output names), and the names the
 * TF.js runner gives the same outputs, so both engines name a model's outputs alike.
 */
export function uniqueNames(names: string[], taken: Set<string>): string[] {
  return names.map((base) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  });
}
