/**
 * WeChat's category templates type each value by its key's name (`thing1`, `time2`,
 * `character_string3`…): a value that breaks its type is refused with 47003 and the message is
 * never shown. Values are checked here before sending; the few types that can be shortened
 * without changing what they say (thing, name: free text) are shortened by rule, the rest refused
 * (a code cut short, or a date in the wrong shape, would be wrong, not short). The sandbox refuses
 * with the same rules, as WeChat does.
 */
export type ValueType =
  | 'thing'
  | 'name'
  | 'character_string'
  | 'phrase'
  | 'time'
  | 'date'
  | 'amount'
  | 'phone_number'
  | 'number'
  | 'letter'
  | 'symbol'
  | 'car_number'
  | 'const';

export const typeOf = (key: string): ValueType | null => {
  const t = key.replace(/\d+$/, '');
  return TYPES.has(t as ValueType) ? (t as ValueType) : null;
};

const TYPES = new Set<ValueType>([
  'thing',
  'name',
  'character_string',
  'phrase',
  'time',
  'date',
  'amount',
  'phone_number',
  'number',
  'letter',
  'symbol',
  'car_number',
  'const',
]);

const chars = (s: string) => [...s].length;
const HANZI = /^[\u4e00-\u9fa5]+$/;
const TIME =
  /^(\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{2}(:\d{2})?)?|\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2}(:\d{2})?)?|\d{1,2}:\d{2}(:\d{2})?)(~(\d{4}-\d{1,2}-\d{1,2} )?\d{1,2}:\d{2}(:\d{2})?)?$/;
const DATE = /^(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)(~(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日))?$/;

/** What the value may be, in words (for logs and the sandbox's 47003). */
const RULE: Record<ValueType, [(v: string) => boolean, string]> = {
  thing: [(v) => chars(v) <= 20, '20 characters at most'],
  name: [(v) => (HANZI.test(v) ? chars(v) <= 10 : chars(v) <= 20), '10 hanzi or 20 letters at most'],
  character_string: [(v) => /^[\x21-\x7e ]{1,32}$/.test(v), 'letters, digits and symbols only (no Chinese), 32 at most'],
  phrase: [(v) => HANZI.test(v) && chars(v) <= 5, '5 hanzi at most, hanzi only'],
  time: [(v) => TIME.test(v), 'a time such as 2026-11-26 15:01'],
  date: [(v) => DATE.test(v), 'a date such as 2026-11-26'],
  amount: [(v) => /^[¥￥$]?\d{1,10}(\.\d{1,2})?元?$/.test(v), 'an amount such as 18800元 (no separators)'],
  phone_number: [(v) => /^[\d+\-() ]{1,17}$/.test(v), 'a phone number, 17 digits or symbols at most'],
  number: [(v) => /^\d{1,32}(\.\d+)?$/.test(v), 'digits only'],
  letter: [(v) => /^[A-Za-z]{1,32}$/.test(v), 'letters only'],
  symbol: [(v) => /^[^\w\u4e00-\u9fa5\s]{1,5}$/.test(v), '5 symbols at most'],
  car_number: [(v) => chars(v) <= 8, 'a car number, 8 characters at most'],
  const: [() => true, ''],
};

export type Fit = { ok: true; value: string; shortened: boolean } | { ok: false; reason: string };

/** The value as WeChat will take it: unchanged, shortened by rule (thing, name), or refused with why. */
export function fitValue(key: string, raw: string): Fit {
  const type = typeOf(key);
  const value = raw.trim();
  if (!type) return { ok: false, reason: `${key}: not a WeChat template key (thing1, time2, character_string3…)` };
  if (!value) return { ok: false, reason: `${key}: empty` };
  const [ok, words] = RULE[type];
  if (ok(value)) return { ok: true, value, shortened: false };
  if (type === 'thing' || (type === 'name' && !HANZI.test(value)))
    return { ok: true, value: `${[...value].slice(0, 19).join('')}…`, shortened: true };
  if (type === 'name') return { ok: true, value: [...value].slice(0, 10).join(''), shortened: true };
  return { ok: false, reason: `${key}: "${value}" is not ${words}` };
}

/** The sandbox's check (WeChat's): valid as sent, or the 47003 message naming the field. */
export function invalidValue(key: string, value: string): string | null {
  const type = typeOf(key);
  if (!type) return `argument invalid! data.${key} not a template key`;
  if (!value.trim() || !RULE[type][0](value.trim())) return `argument invalid! data.${key}.value invalid`;
  return null;
}
