/** A trip's status in the traveler's words, and the form pieces the traveler's screens share. */
import { h } from '../dom.js';

export const STATUS: Record<string, string> = {
  open: '正在为你匹配定制师',
  full: '定制师已就位，方案准备中',
  chosen: '已选定方案',
  paid: '已支付定金',
  closed: '已关闭',
  cancelled: '已取消',
};

/** A trip's status in one word, the deposit's own once it has one (paid, part refunded, refunded): the same on the list and the page. */
export function tripWord(q: { status: string; deposit?: { status: string; state?: { word: string }; word?: string } | null }): string {
  const deposit = q.deposit?.state?.word ?? q.deposit?.word;
  if (q.status === 'paid' && deposit) return deposit;
  return STATUS[q.status] ?? q.status;
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
