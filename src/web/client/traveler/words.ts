/** A trip's status in the traveler's words, and the form pieces the traveler's screens share. */
import { TRIP_STATUS } from '../../../shared/words.js';
import { h } from '../dom.js';

/** A trip's status in one word, the deposit's own once it has one (paid, part refunded, refunded): the same on the list and the page. */
export function tripWord(q: { status: string; deposit?: { status: string; state?: { word: string }; word?: string } | null }): string {
  const deposit = q.deposit?.state?.word ?? q.deposit?.word;
  if (q.status === 'paid' && deposit) return deposit;
  return TRIP_STATUS[q.status] ?? q.status;
}

export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

export type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** One WeUI form cell with its label and a place for its error; `key` is the API's field name. */
export function cell(key: string, label: string, input: Field, hint?: string) {
  input.id = `f-${key.replace('.', '-')}`;
  return h(
    'div',
    { class: 'field', 'data-field': key },
    h(
      'div',
      { class: 'weui-cell weui-cell_active' },
      h('div', { class: 'weui-cell__hd' }, h('label', { class: 'weui-label', for: input.id }, label)),
      h('div', { class: 'weui-cell__bd' }, input),
    ),
    hint ? h('div', { class: 'field-hint' }, hint) : null,
    h('div', { class: 'field-error', role: 'alert' }),
  );
}

export const input = (name: string, attrs: Record<string, string | number | boolean> = {}) =>
  h('input', { class: 'weui-input', name, ...attrs });
