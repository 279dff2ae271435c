/**
 * HTML escaped by default: html`<p>${name}</p>` escapes every interpolated value unless it is
 * already Html (another html`` fragment, or `raw()` for markup the code itself wrote). Arrays are
 * joined; null, undefined and false write nothing. What reaches the page from data can only get
 * there escaped: a forgotten esc() cannot happen, because there is none.
 */
import { esc } from '../../format.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

function write(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(write).join('');
  return esc(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += write(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup written by the code itself, trusted as it is (never data). */
export const raw = (s: string) => new Html(s);

/** Fragments with a separator between them (the separator is markup). */
export const joined = (items: Value[], separator: string) => new Html(items.map(write).join(separator));
