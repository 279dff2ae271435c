/** The live pool (phone and PC): cards that update in place, leave when full and arrive when released; the PC's pop-ups. */

import type { PoolItem, WorkOrderView as WorkOrder } from '../../../shared/wire.js';
import { api, say } from '../api.js';
import { dialog, empty, failed, h, loading, mount } from '../dom.js';
import { ago, budget, clock, dates, party } from '../fmt.js';
import type { Delivery, Live, LiveEvent } from '../live.js';
import { flashTitle, popup } from '../notice.js';
import { frame, subjectText, woBase } from './frame.js';
import { grab, saidHere } from './grab.js';

function card(i: PoolItem, channel: 'h5' | 'pc', reload: () => void): HTMLElement {
  const btn = i.unavailable
    ? h(
        'button',
        {
          class: 'weui-btn weui-btn_default weui-btn_mini card__grab',
          type: 'button',
          disabled: true,
          title: '你所在的供应商已有定制师抢到此单',
        },
        i.unavailable.reason,
      )
    : h('button', { class: 'weui-btn weui-btn_primary weui-btn_mini card__grab', type: 'button' }, '抢单');
  btn.addEventListener('click', (ev) => {
    ev.preventDefault();
    if (!i.unavailable) void grab(i.requirementId, channel, btn, (ok) => !ok && reload());
  });
  return h(
    'article',
    { class: `card${i.unavailable ? ' card--unavailable' : ''}`, 'data-req': i.requirementId },
    h(
      'a',
      { class: 'card__main', href: `/h5/requirements/${i.requirementId}` },
      h('div', { class: 'card__title' }, h('strong', {}, i.destinations.join('、')), h('span', { class: 'card__code' }, i.code)),
      h('div', { class: 'card__meta' }, `${i.origin}出发 · ${dates(i.departDate, i.returnDate)}`),
      h('div', { class: 'card__meta' }, `${party(i.adults, i.children)} · 预算 ${budget(i.budgetFen, i.budgetType)} · ${subjectText(i)}`),
      i.notes ? h('div', { class: 'card__notes' }, `“${i.notes.length > 40 ? `${i.notes.slice(0, 40)}…` : i.notes}”`) : null,
    ),
    h(
      'div',
      { class: 'card__foot' },
      h('span', { class: 'card__slots' }, `剩 ${i.slotsLeft}/${i.wanted} 个名额`),
      h(
        'span',
        { class: 'card__when', title: clock(i.releasedAt) },
        `${ago(i.releasedAt)}开放给你`,
        i.nextTier
          ? h(
              'span',
              { class: 'card__next' },
              ` · ${i.nextTier.tier}级${Math.max(1, Math.ceil((i.nextTier.at - Date.now()) / 60_000))}分钟后可抢`,
            )
          : null,
      ),
      btn,
    ),
    h('div', { class: 'card__result', 'aria-live': 'polite' }),
  );
}

/** The live pool: cards update in place (slots), leave (gone, won), arrive (released, reopened). */
export function poolPage(root: Element, live: Live | null, wide: boolean) {
  const channel = wide ? 'pc' : 'h5';
  const body = frame(root, live, 'pool', wide);
  const list = h('section', { class: wide ? 'pool pool--wide' : 'pool' });
  let items: PoolItem[] = [];
  let seq = 0;

  const render = () => {
    if (items.length === 0) {
      mount(list, empty('暂时没有可抢的需求', '新需求开放给你的等级时，会自动出现在这里，无需刷新。'));
      return;
    }
    mount(
      list,
      items.map((i) => card(i, channel, () => void load())),
    );
  };

  const load = async (first = false) => {
    const mine = ++seq; // an older answer arriving late must not overwrite a newer one
    if (first) mount(list, loading());
    try {
      const r = await api<{ items: PoolItem[] }>('GET', '/api/planner/pool');
      if (mine !== seq) return;
      items = r.items;
      render();
    } catch (err) {
      if (mine === seq && first)
        mount(
          list,
          failed(say(err), () => void load(true)),
        );
    }
  };

  mount(body, h('h1', { class: 'page__title' }, wide ? '抢单池' : '我的抢单池', h('small', {}, '开放给你的需求')), list);
  void load(true);

  live?.on(async (e: LiveEvent, how: Delivery) => {
    const id = e.data.requirementId as number;
    switch (e.type) {
      case 'slots': {
        const el = list.querySelector(`[data-req="${id}"] .card__slots`);
        const it = items.find((x) => x.requirementId === id);
        if (it) it.slotsLeft = e.data.slotsLeft;
        if (el && it) el.textContent = `剩 ${it.slotsLeft}/${it.wanted} 个名额`;
        if (it) void load(); // the taker may be a colleague: the card then says 同公司已接单
        return;
      }
      case 'gone':
        items = items.filter((x) => x.requirementId !== id);
        list.querySelector(`[data-req="${id}"]`)?.remove();
        if (items.length === 0) render();
        return;
      case 'released':
      case 'reopened':
      case 'won':
      case 'offered':
        await load();
        break;
    }
    notify(e, how, items);
  });
}

/**
 * What a backlog replayed on opening may still pop up: a release still grabbable from this pool, an
 * offer still waiting for an answer. Wins, ends and the rest already happened: the pages list them.
 */
async function stillActionable(e: LiveEvent, items: PoolItem[]): Promise<boolean> {
  if (e.type === 'released') {
    const it = items.find((x) => x.requirementId === e.data.requirementId);
    return Boolean(it && it.slotsLeft > 0 && !it.unavailable);
  }
  if (e.type === 'offered') {
    const w = await api<WorkOrder>('GET', `/api/planner/work-orders/${encodeURIComponent(e.data.workOrderId)}`).catch(() => null);
    return Boolean(w?.offer);
  }
  return false;
}

/** Pop-up (in the one tab chosen) and the flashing title (when no tab is seen) for an event. */
export function notify(e: LiveEvent, how: Delivery, items?: PoolItem[]) {
  // Off the pool page a release is described from the requirement itself (by its code, never an internal id).
  if (!items && e.type === 'released') {
    void api<PoolItem & { id: number }>('GET', `/api/planner/requirements/${e.data.requirementId}`)
      .then(
        (r) => [{ ...r, requirementId: r.id }],
        () => [],
      )
      .then((found) => notify(e, how, found));
    return;
  }
  if (how.replayed) {
    void stillActionable(e, items ?? []).then((yes) => yes && notify(e, { ...how, replayed: false }, items ?? []));
    return;
  }
  if (e.type === 'won' && saidHere.has(e.data.requirementId)) return; // its dialog said it already
  const text = describe(e, items ?? []);
  if (!text) return;
  if (how.unseen) flashTitle(text.flash);
  // A new requirement's pop-up grabs (after a confirmation) instead of opening another page.
  const grabIt =
    e.type === 'released'
      ? async () => {
          if (await dialog('抢这个需求？', text.text, '抢单', '再看看'))
            await grab(e.data.requirementId as number, woBase() === '/pc' ? 'pc' : 'h5');
        }
      : undefined;
  // A broadcast is shown once, as the banner above the page (notices), never also as a pop-up.
  if (how.popup && e.type !== 'broadcast')
    popup({
      title: text.title,
      text: text.text,
      href: text.href,
      action: grabIt ? '抢单' : text.action,
      onAction: grabIt,
      kind: text.kind,
    });
}

function describe(e: LiveEvent, items: PoolItem[]) {
  const d = e.data;
  switch (e.type) {
    case 'released': {
      const it = items.find((x) => x.requirementId === d.requirementId);
      if (!it) return null; // not in this pool (any more): nothing to grab, nothing to pop up
      const what = `${it.code} · ${it.destinations.join('、')} · ${dates(it.departDate, it.returnDate)} · ${budget(it.budgetFen, it.budgetType)}`;
      return {
        title: '新需求开放给你',
        text: what,
        href: `/h5/requirements/${d.requirementId}`,
        action: '去抢单',
        flash: '新需求',
        kind: 'info' as const,
      };
    }
    case 'offered':
      return {
        title: '系统派单',
        text: '系统为你派了一个需求，请尽快接受或拒绝',
        href: `${woBase()}/work-orders/${encodeURIComponent(d.workOrderId)}`,
        action: '去答复',
        flash: '系统派单',
        kind: 'info' as const,
      };
    case 'won':
      return {
        title: '抢单成功',
        text: '已进入你的工单，请在截止前提交方案',
        href: `${woBase()}/work-orders/${encodeURIComponent(d.workOrderId)}`,
        action: '写方案',
        flash: '抢单成功',
        kind: 'ok' as const,
      };
    case 'work-order': {
      const t: Record<string, [string, string, 'ok' | 'warn' | 'info']> = {
        expired: ['工单已超时', '未在截止前提交方案，名额已释放', 'warn'],
        chosen: ['方案被选中', '用户选择了你的方案，请尽快联系确认', 'ok'],
        closed: ['未被选中', '用户选择了其他方案，感谢你的用心', 'info'],
      };
      const x = t[d.status];
      return (
        x && {
          title: x[0],
          text: x[1],
          href: `${woBase()}/work-orders/${encodeURIComponent(d.workOrderId)}`,
          action: '查看',
          flash: x[0],
          kind: x[2],
        }
      );
    }
    case 'broadcast':
      return { title: d.title ?? '平台通知', text: d.text ?? '', href: undefined, action: undefined, flash: '通知', kind: 'info' as const };
  }
  return null;
}

/** A requirement as this planner sees it, with the grab button. */
