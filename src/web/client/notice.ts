/** Pop-up notifications, the flashing tab title while unseen, and the connection indicator. */
import { h } from './dom.js';
import type { LinkState } from './live.js';

let stack: HTMLElement | null = null;

/**
 * A pop-up card at the corner (PC) or above the tab bar (phone: never over the pool's newest card,
 * the one it announces); closes itself after a while unless hovered. Its button follows `href`, or
 * runs `onAction` (the pop-up closes first).
 */
export function popup(opts: {
  title: string;
  text: string;
  href?: string;
  action?: string;
  onAction?: () => void;
  kind?: 'info' | 'ok' | 'warn';
}) {
  if (!stack) {
    stack = h('div', { class: 'pops', 'aria-live': 'polite' });
    document.body.appendChild(stack);
  }
  const close = () => card.remove();
  const card = h(
    'div',
    { class: `pop pop--${opts.kind ?? 'info'}`, role: 'alert' },
    h(
      'div',
      { class: 'pop__hd' },
      h('strong', {}, opts.title),
      h('button', { class: 'pop__x', type: 'button', 'aria-label': '关闭', onclick: close }, '×'),
    ),
    h('div', { class: 'pop__bd' }, opts.text),
    opts.onAction
      ? h(
          'button',
          {
            class: 'weui-btn weui-btn_primary weui-btn_mini pop__go',
            type: 'button',
            onclick: () => {
              close();
              opts.onAction!();
            },
          },
          opts.action ?? '查看',
        )
      : opts.href && h('a', { class: 'weui-btn weui-btn_primary weui-btn_mini pop__go', href: opts.href }, opts.action ?? '查看'),
  );
  stack.prepend(card);
  let timer = window.setTimeout(close, 12_000);
  card.addEventListener('mouseenter', () => clearTimeout(timer));
  card.addEventListener('mouseleave', () => (timer = window.setTimeout(close, 4000)));
  while (stack.children.length > (innerWidth < 600 ? 2 : 4)) stack.lastElementChild!.remove(); // a phone screen holds two
}

let flashing = 0;
let baseTitle = '';
/** Flashes the tab title until the tab is looked at. */
export function flashTitle(text: string) {
  if (document.visibilityState === 'visible') return;
  if (!flashing) baseTitle = document.title;
  clearInterval(flashing);
  let on = false;
  flashing = window.setInterval(() => {
    on = !on;
    document.title = on ? `【${text}】${baseTitle}` : baseTitle;
  }, 800);
  document.title = `【${text}】${baseTitle}`;
  const stop = () => {
    if (document.visibilityState !== 'visible') return;
    clearInterval(flashing);
    flashing = 0;
    document.title = baseTitle;
    document.removeEventListener('visibilitychange', stop);
  };
  document.addEventListener('visibilitychange', stop);
}

/** A small bar: live, reconnecting in N s, or signed out. */
export function linkBar(): { el: HTMLElement; update(s: LinkState): void } {
  const text = h('span', {});
  const el = h('div', { class: 'link link--connecting', 'aria-live': 'polite' }, h('i', { class: 'link__dot' }), text);
  return {
    el,
    update(s) {
      el.className = `link link--${s.kind}`;
      text.textContent =
        s.kind === 'open'
          ? '实时更新中'
          : s.kind === 'connecting'
            ? '正在连接…'
            : s.kind === 'waiting'
              ? `连接中断，${Math.max(1, Math.round((s.retryInMs ?? 0) / 1000))} 秒后重试（第 ${s.attempt} 次）`
              : '登录已过期，请刷新页面';
    },
  };
}
