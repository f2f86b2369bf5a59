// Parsers for command-line option values, in the library's wording for bad arguments (core/checks.ts, after
// sharp's lib/is.js): "Expected <what> for <flag> but received '<text>' of type string".
import { ArgumentError } from '../index.js';

function expected(what: string, name: string, text: string): ArgumentError {
  return new ArgumentError(`Expected ${what} for ${name} but received '${text}' of type string`);
}

function rangeText(kind: string, min: number, max: number): string {
  const a = `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
  if (min > -Infinity && max < Infinity) return `${a} between ${min} and ${max}`;
  if (min > -Infinity) return `${a} >= ${min}`;
  if (max < Infinity) return `${a} <= ${max}`;
  return a;
}

/** The integer `text` spells within [min, max], else undefined. */
function integerIn(text: string, min: number, max: number): number | undefined {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

export function parseIntegerOption(text: string, name: string, min = -Infinity, max = Infinity): number {
  const value = integerIn(text, min, max);
  if (value === undefined) throw expected(rangeText('integer', min, max), name, text);
  return value;
}

/** An integer >= min, or the one word that stands for a computed default ('auto'). */
export function parseIntegerOrWordOption<W extends string>(text: string, name: string, word: W, min = -Infinity): number | W {
  if (text.trim() === word) return word;
  const value = integerIn(text, min, Infinity);
  if (value === undefined) throw expected(`${rangeText('integer', min, Infinity)} or '${word}'`, name, text);
  return value;
}

export function parseNumberOption(text: string, name: string, min = -Infinity, max = Infinity): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw expected(rangeText('number', min, max), name, text);
  return value;
}

export function parsePositiveOption(text: string, name: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!(value > 0 && value < Infinity)) throw expected('a positive number', name, text);
  return value;
}

export function parseChoiceOption<T extends string>(text: string, name: string, allowed: readonly T[]): T {
  if (!allowed.includes(text as T)) throw expected(`one of ${allowed.join(', ')}`, name, text);
  return text as T;
}
