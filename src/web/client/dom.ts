/** A tiny element builder (text is always text: no HTML strings from data) and the page's states. */
import { left } from './fmt.js';

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function mount(root: Element, ...children: Child[]) {
  root.replaceChildren();
  append(root, children);
}

export const loading = (text = '正在加载…') =>
  h('div', { class: 'state state--loading' }, h('i', { class: 'weui-loading' }), h('p', {}, text));

export const empty = (title: string, tip: string, action?: Node) =>
  h(
    'div',
    { class: 'state state--empty' },
    h('i', { class: 'weui-icon-info-circle weui-icon_msg' }),
    h('p', { class: 'state__title' }, title),
    h('p', { class: 'state__tip' }, tip),
    action,
  );

export const failed = (message: string, retry?: () => void) =>
  h(
    'div',
    { class: 'state state--error', role: 'alert' },
    h('i', { class: 'weui-icon-warn weui-icon_msg' }),
    h('p', { class: 'state__title' }, '加载失败'),
    h('p', { class: 'state__tip' }, message),
    retry && h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: 'javascript:', onclick: () => retry() }, '重试'),
  );

let toastTimer = 0;
/** A WeUI toast: ok or warn, gone after a moment. */
export function toast(text: string, kind: 'ok' | 'warn' = 'ok', ms = 1800) {
  document.querySelector('.app-toast')?.remove();
  clearTimeout(toastTimer);
  const t = h(
    'div',
    { class: `app-toast app-toast--${kind}`, role: 'status' },
    h('div', { class: 'weui-mask_transparent' }),
    h(
      'div',
      { class: 'weui-toast' },
      h('i', { class: kind === 'ok' ? 'weui-icon-success-no-circle weui-icon_toast' : 'weui-icon-warn weui-icon_toast' }),
      h('p', { class: 'weui-toast__content' }, text),
    ),
  );
  document.body.appendChild(t);
  toastTimer = window.setTimeout(() => t.remove(), ms);
}

/** A WeUI dialog; resolves true on the primary button. */
export function dialog(title: string, body: Node | string, primary = '确定', secondary?: string): Promise<boolean> {
  return new Promise((done) => {
    const close = (v: boolean) => {
      d.remove();
      done(v);
    };
    const d = h(
      'div',
      { class: 'app-dialog', role: 'dialog', 'aria-modal': 'true' },
      h('div', { class: 'weui-mask' }),
      h(
        'div',
        { class: 'weui-dialog' },
        h('div', { class: 'weui-dialog__hd' }, h('strong', { class: 'weui-dialog__title' }, title)),
        h('div', { class: 'weui-dialog__bd' }, body),
        h(
          'div',
          { class: 'weui-dialog__ft' },
          // Buttons, not javascript: links (the pages' CSP refuses those).
          secondary &&
            h('button', { type: 'button', class: 'weui-dialog__btn weui-dialog__btn_default', onclick: () => close(false) }, secondary),
          h('button', { type: 'button', class: 'weui-dialog__btn weui-dialog__btn_primary', onclick: () => close(true) }, primary),
        ),
      ),
    );
    document.body.appendChild(d);
  });
}

const URGENT_MS = 2 * 3600_000;
let ticking = 0;

/** Time left until a deadline, kept current (every 15 s) and red in its last two hours. */
export function countdown(deadline: string | number, suffix = ''): HTMLElement {
  const at = typeof deadline === 'number' ? deadline : Date.parse(deadline);
  const el = h('span', { class: 'countdown', 'data-deadline': at, 'data-suffix': suffix });
  tick(el);
  if (!ticking) ticking = window.setInterval(() => document.querySelectorAll<HTMLElement>('.countdown').forEach(tick), 15_000);
  return el;
}

function tick(el: HTMLElement) {
  const at = Number(el.dataset.deadline);
  el.textContent = `${left(at)}${el.dataset.suffix ?? ''}`;
  el.classList.toggle('countdown--urgent', at - Date.now() < URGENT_MS);
}
