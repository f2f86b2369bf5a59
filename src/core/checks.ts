// Argument checks with one wording, after sharp's lib/is.js: "Expected <what> for <name> but received <value>".
import { ArgumentError } from './errors.js';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}' of type string`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `${String(value)} of type ${typeof value}`;
}

export function invalid(what: string, name: string, value: unknown): ArgumentError {
  return new ArgumentError(`Expected ${what} for ${name} but received ${describe(value)}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkInteger(value: unknown, name: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(rangeText('integer', min, max), name, value);
  }
  return value;
}

export function checkNumber(value: unknown, name: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(rangeText('number', min, max), name, value);
  }
  return value;
}

export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalid(`one of ${allowed.join(', ')}`, name, value);
  }
  return value as T;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalid('a boolean', name, value);
  return value;
}

export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid('a non-empty string', name, value);
  return value;
}

function rangeText(kind: string, min: number, max: number): string {
  if (min > -Infinity && max < Infinity) return `${article(kind)} between ${min} and ${max}`;
  if (min > -Infinity) return `${article(kind)} >= ${min}`;
  if (max < Infinity) return `${article(kind)} <= ${max}`;
  return article(kind);
}

function article(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
