/** The planner's pages: the live pool (phone and PC), a requirement, work orders, the proposal form, binding. */
import { api, ApiError, say } from '../api.js';
import { countdown, dialog, empty, failed, h, loading, mount, toast } from '../dom.js';
import { ago, budget, clock, dates, left, party, yuan } from '../fmt.js';
import type { Delivery, Live, LiveEvent } from '../live.js';
import { flashTitle, linkBar, popup } from '../notice.js';

interface PoolItem {
  requirementId: number;
  code: string;
  subject: string;
  company: string | null;
  origin: string;
  destinations: string[];
  departDate: string;
  returnDate: string;
  adults: number;
  children: number;
  budgetFen: number;
  budgetType: string;
  notes?: string | null;
  slotsLeft: number;
  wanted: number;
  releasedAt: number;
  unavailable?: { code: string; reason: string };
  nextTier?: { tier: string; at: number };
}

interface WorkOrder {
  id: string;
  status: 'active' | 'proposed' | 'expired' | 'chosen' | 'closed' | 'declined';
  channel: string;
  grabbedAt: string;
  deadlineAt: string;
  /** Dispatched by the system, not yet accepted: answer by acceptBy or it goes back. */
  offer: { acceptBy: string } | null;
  requirement: {
    id: number;
    code: string;
    status: string;
    origin: string;
    destinations: string[];
    departDate: string;
    returnDate: string;
    adults: number;
    children: number;
    budgetFen: number;
    budgetType: string;
    notes: string | null;
  };
  contact: { name: string; phone: string } | null;
  proposal: { itinerary: string; priceFen: number; createdAt: string } | null;
}

const WO_STATUS: Record<WorkOrder['status'], [string, string]> = {
  active: ['待提交方案', 'badge--warn'],
  proposed: ['方案已提交', 'badge--info'],
  chosen: ['方案被选中', 'badge--ok'],
  closed: ['未被选中', 'badge--off'],
  expired: ['已超时', 'badge--off'],
  declined: ['已拒绝派单', 'badge--off'],
};

/** A work order's badge: one that ended without the planner's proposal was not "not chosen", it just ended. */
const badgeOf = (w: Pick<WorkOrder, 'status' | 'proposal'>): [string, string] =>
  w.status === 'closed' && !w.proposal ? ['已结束', 'badge--off'] : WO_STATUS[w.status];

/** Work orders open in the layout the planner is using: the PC workbench, or the phone pages. */
const woBase = () => (document.body.classList.contains('wide') ? '/pc' : '/h5');

const subjectText = (i: { subject: string; company: string | null }) => (i.subject === 'enterprise' ? `企业 · ${i.company ?? ''}` : '个人');

/** Planner page chrome: the link bar on top, the tab bar below (phone) or the nav (PC). */
interface Notice {
  id: number;
  title: string;
  body: string;
  url: string;
}

/**
 * Ops broadcasts of today, above the page: those sent before this page opened (GET
 * /api/planner/broadcasts) and those arriving live; each can be put away for this browser.
 */
function notices(live: Live | null): HTMLElement {
  const box = h('div', { class: 'notices', 'aria-live': 'polite' });
  const seen = new Set<number>();
  const hidden = (id: number) => localStorage.getItem(`notice-hidden-${id}`) === '1';
  const add = (n: Notice, first = false) => {
    if (seen.has(n.id) || hidden(n.id)) return;
    seen.add(n.id);
    const close = h('button', { class: 'notice__close', type: 'button', 'aria-label': '不再显示' }, '×');
    const el = h(
      'div',
      { class: 'notice', 'data-broadcast': String(n.id) },
      h('strong', {}, `【通知】${n.title}`),
      h('span', {}, n.body),
      close,
    );
    close.addEventListener('click', () => {
      localStorage.setItem(`notice-hidden-${n.id}`, '1');
      el.remove();
    });
    if (first) box.prepend(el);
    else box.append(el);
  };
  void api<{ items: Notice[] }>('GET', '/api/planner/broadcasts').then(
    (r) => {
      for (const n of r.items) add(n);
    },
    () => {}, // a banner is a courtesy: the page works without it
  );
  live?.on((e) => {
    if (e.type !== 'broadcast') return;
    const d = e.data as { broadcastId: number; title: string; text: string; url: string };
    add({ id: d.broadcastId, title: d.title, body: d.text, url: d.url }, true);
  });
  return box;
}

function frame(root: Element, live: Live | null, active: 'pool' | 'orders', wide = false): HTMLElement {
  const body = h('main', { class: 'content' });
  const bar = linkBar();
  live?.onStateChange(bar.update);
  const board = notices(live);
  if (wide) {
    mount(
      root,
      h(
        'header',
        { class: 'pc-nav' },
        h('strong', {}, '定制游抢单 · 工作台'),
        h(
          'nav',
          {},
          h('a', { href: '/pc', class: active === 'pool' ? 'on' : '' }, '抢单池'),
          h('a', { href: '/pc/work-orders', class: active === 'orders' ? 'on' : '' }, '我的工单'),
        ),
        bar.el,
      ),
      board,
      body,
    );
  } else {
    mount(
      root,
      bar.el,
      board,
      body,
      h(
        'nav',
        { class: 'weui-tabbar tabbar' },
        h(
          'a',
          { href: '/h5/pool', class: `weui-tabbar__item ${active === 'pool' ? 'weui-bar__item_on' : ''}` },
          h('span', { class: 'weui-tabbar__icon tabbar__icon tabbar__icon--pool', 'aria-hidden': 'true' }),
          h('p', { class: 'weui-tabbar__label' }, '抢单池'),
        ),
        h(
          'a',
          { href: '/h5/work-orders', class: `weui-tabbar__item ${active === 'orders' ? 'weui-bar__item_on' : ''}` },
          h('span', { class: 'weui-tabbar__icon tabbar__icon tabbar__icon--orders', 'aria-hidden': 'true' }),
          h('p', { class: 'weui-tabbar__label' }, '我的工单'),
        ),
      ),
    );
  }
  return body;
}

/** Grabs in flight, by requirement: a double tap sends one grab and shows one dialog. */
const inFlight = new Set<number>();
/** Requirements this tab just won and said so in its dialog: their live "won" does not pop up again. */
const saidHere = new Set<number>();

/**
 * Grabs, and says what happened in one dialog: on success the contact (a tap calls them), the
 * deadline and the way to the proposal; on refusal the rule in words. `after` re-reads what the
 * page shows (a refusal means the page was stale).
 */
async function grab(requirementId: number, channel: 'h5' | 'pc', btn?: HTMLButtonElement, after?: (ok: boolean) => void): Promise<boolean> {
  if (inFlight.has(requirementId)) return false;
  inFlight.add(requirementId);
  if (btn) {
    btn.classList.add('weui-btn_loading');
    btn.disabled = true;
  }
  let ok = false;
  try {
    const r = await api<{
      workOrderId: string;
      contact: { name: string; phone: string };
      deadlineAt: string | null;
      confirming?: boolean;
      message?: string;
    }>('POST', '/api/planner/grabs', { requirementId, channel });
    ok = true;
    saidHere.add(requirementId);
    if (r.confirming) {
      // Won, not yet recorded (a database hiccup): the outcome arrives live ("won") when it is.
      await dialog('正在确认', r.message ?? '系统正在确认，稍后通知你。', '好的');
      return ok;
    }
    const go = await dialog(
      '抢单成功',
      h(
        'div',
        { class: 'won' },
        h('p', {}, `联系人：${r.contact.name}`),
        h('p', {}, h('a', { href: `tel:${r.contact.phone}`, class: 'won__call' }, `拨打 ${r.contact.phone}`)),
        h('p', {}, r.deadlineAt ? `请在 ${clock(r.deadlineAt)} 前提交方案（${left(Date.parse(r.deadlineAt))}）。` : '请在截止前提交方案。'),
      ),
      '写方案',
      '稍后',
    );
    if (go) location.href = `${woBase()}/work-orders/${encodeURIComponent(r.workOrderId)}`;
  } catch (err) {
    const msg = say(err);
    if (btn) btn.closest('[data-req]')?.querySelector('.card__result')?.replaceChildren(msg);
    await dialog('抢单失败', msg, '知道了');
  } finally {
    inFlight.delete(requirementId);
    if (btn) {
      btn.classList.remove('weui-btn_loading');
      btn.disabled = false;
    }
  }
  after?.(ok);
  return ok;
}

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
function notify(e: LiveEvent, how: Delivery, items?: PoolItem[]) {
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
export function requirementPage(root: Element, live: Live | null, id: number) {
  const body = frame(root, live, 'pool');
  const load = async () => {
    mount(body, loading());
    let r: any;
    try {
      r = await api('GET', `/api/planner/requirements/${id}`);
    } catch (err) {
      mount(
        body,
        err instanceof ApiError && err.status === 404
          ? empty(
              '这个需求不在你的抢单池里',
              '可能已被抢满、已关闭，或不在你的服务范围。',
              h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: '/h5/pool' }, '回到抢单池'),
            )
          : failed(say(err), load),
      );
      return;
    }
    const open = r.status === 'open' && r.slotsLeft > 0 && !r.myWorkOrder;
    const state = r.myWorkOrder
      ? h(
          'a',
          { class: 'weui-btn weui-btn_default', href: `${woBase()}/work-orders/${encodeURIComponent(r.myWorkOrder.id)}` },
          `我的工单：${WO_STATUS[r.myWorkOrder.status as WorkOrder['status']]?.[0] ?? r.myWorkOrder.status}`,
        )
      : !open
        ? h('p', { class: 'closed' }, r.status === 'full' || (r.status === 'open' && r.slotsLeft === 0) ? '名额已满' : '需求已结束')
        : r.unavailable
          ? h(
              'button',
              { class: 'weui-btn weui-btn_default', type: 'button', id: 'grab', disabled: true },
              `${r.unavailable.reason}（你所在的供应商已有定制师抢到此单）`,
            )
          : h('button', { class: 'weui-btn weui-btn_primary', type: 'button', id: 'grab' }, `立即抢单（剩 ${r.slotsLeft} 个名额）`);
    mount(
      body,
      h(
        'article',
        { class: 'detail', 'data-req': r.id },
        h('h1', { class: 'page__title' }, r.destinations.join('、'), h('small', {}, `编号 ${r.code}`)),
        h(
          'div',
          { class: 'weui-form-preview' },
          h(
            'div',
            { class: 'weui-form-preview__bd' },
            row('出发地', r.origin),
            row('日期', dates(r.departDate, r.returnDate)),
            row('人数', party(r.adults, r.children)),
            row('预算', budget(r.budgetFen, r.budgetType)),
            row('类型', subjectText(r)),
            row('名额', `剩 ${r.slotsLeft}/${r.wanted}`, 'slots'),
            r.releasedToMe ? row('开放给你', `${clock(r.releasedToMe)}（${ago(Date.parse(r.releasedToMe))}）`) : null,
            r.contact ? rowOf('联系人', `${r.contact.name} `, h('a', { href: `tel:${r.contact.phone}` }, r.contact.phone)) : null,
          ),
        ),
        r.notes ? h('p', { class: 'notes' }, `用户备注：${r.notes}`) : null,
        h('div', { class: 'card__result', 'aria-live': 'polite' }),
        h('div', { class: 'actions' }, state),
      ),
    );
    const btn = body.querySelector<HTMLButtonElement>('#grab');
    // Won or refused, what the page shows changed: read it again (a refusal means it was stale).
    btn?.addEventListener('click', () => void grab(id, 'h5', btn, () => void load()));
  };
  void load();
  live?.on((e, how) => {
    if (e.data.requirementId === id && (e.type === 'slots' || e.type === 'gone' || e.type === 'reopened' || e.type === 'won')) void load();
    notify(e, how);
  });
}

function row(label: string, value: string, key?: string) {
  return h(
    'div',
    { class: 'weui-form-preview__item' },
    h('label', { class: 'weui-form-preview__label' }, label),
    h('span', { class: 'weui-form-preview__value', ...(key ? { 'data-key': key } : {}) }, value),
  );
}

/** A row whose value is several parts (text and live elements such as a countdown). */
function rowOf(label: string, ...value: (string | HTMLElement)[]) {
  return h(
    'div',
    { class: 'weui-form-preview__item' },
    h('label', { class: 'weui-form-preview__label' }, label),
    h('span', { class: 'weui-form-preview__value' }, ...value),
  );
}

/** My work orders, newest first, with the time left to propose. */
export function workOrdersPage(root: Element, live: Live | null, wide = false) {
  const body = frame(root, live, 'orders', wide);
  const load = async (first = false) => {
    if (first) mount(body, loading());
    try {
      const { items } = await api<{ items: WorkOrder[] }>('GET', '/api/planner/work-orders');
      mount(
        body,
        h('h1', { class: 'page__title' }, '我的工单'),
        items.length === 0
          ? empty(
              '还没有工单',
              '在抢单池抢到需求后，工单会出现在这里。',
              h('a', { class: 'weui-btn weui-btn_primary weui-btn_mini', href: '/h5/pool' }, '去抢单池'),
            )
          : h(
              'div',
              { class: 'weui-cells' },
              items.map((w) => {
                const [label, cls] = w.offer ? OFFER_BADGE : badgeOf(w);
                return h(
                  'a',
                  {
                    class: 'weui-cell weui-cell_access',
                    href: `${wide ? '/pc' : '/h5'}/work-orders/${encodeURIComponent(w.id)}`,
                    'data-wo': w.id,
                  },
                  h(
                    'div',
                    { class: 'weui-cell__bd' },
                    h(
                      'p',
                      {},
                      w.requirement.destinations.join('、'),
                      ' ',
                      h('span', { class: `badge ${cls}` }, label),
                      w.channel === 'dispatch' && !w.offer ? ' ' : null,
                      w.channel === 'dispatch' && !w.offer ? h('span', { class: 'badge badge--off' }, '系统派单') : null,
                    ),
                    h(
                      'p',
                      { class: 'sub' },
                      `${dates(w.requirement.departDate, w.requirement.returnDate)} · ${party(w.requirement.adults, w.requirement.children)}`,
                    ),
                  ),
                  h(
                    'div',
                    { class: 'weui-cell__ft' },
                    w.offer
                      ? countdown(w.offer.acceptBy, '答复')
                      : w.status === 'active'
                        ? countdown(w.deadlineAt)
                        : w.proposal
                          ? yuan(w.proposal.priceFen)
                          : '',
                  ),
                );
              }),
            ),
      );
    } catch (err) {
      if (first)
        mount(
          body,
          failed(say(err), () => void load(true)),
        );
    }
  };
  void load(true);
  live?.on((e, how) => {
    if (e.type === 'won' || e.type === 'offered' || e.type === 'work-order') void load();
    notify(e, how);
  });
}

/** One work order: the trip, the contact, and the proposal form (itinerary, price) while it is due. */
export function workOrderPage(root: Element, live: Live | null, id: string, wide = false) {
  const body = frame(root, live, 'orders', wide);
  const load = async () => {
    mount(body, loading());
    let w: WorkOrder;
    try {
      w = await api<WorkOrder>('GET', `/api/planner/work-orders/${encodeURIComponent(id)}`);
    } catch (err) {
      mount(
        body,
        err instanceof ApiError && err.status === 404
          ? empty(
              '找不到这个工单',
              '它可能不属于当前登录的账号。',
              h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: '/h5/work-orders' }, '我的工单'),
            )
          : failed(say(err), load),
      );
      return;
    }
    const q = w.requirement;
    const [label, cls] = w.offer ? OFFER_BADGE : badgeOf(w);
    mount(
      body,
      h('h1', { class: 'page__title' }, q.destinations.join('、'), ' ', h('span', { class: `badge ${cls}` }, label)),
      h(
        'div',
        { class: 'weui-form-preview' },
        h(
          'div',
          { class: 'weui-form-preview__bd' },
          row('编号', q.code),
          row('行程', `${q.origin}出发 · ${dates(q.departDate, q.returnDate)}`),
          row('人数', party(q.adults, q.children)),
          row('预算', budget(q.budgetFen, q.budgetType)),
          w.contact ? rowOf('联系人', `${w.contact.name} `, h('a', { href: `tel:${w.contact.phone}` }, w.contact.phone)) : null,
          w.status === 'active' && !w.offer ? rowOf('方案截止', clock(w.deadlineAt), ' ', countdown(w.deadlineAt)) : null,
        ),
      ),
      q.notes ? h('p', { class: 'notes' }, `用户备注：${q.notes}`) : null,
      w.offer ? offerBox(w, load) : w.status === 'active' ? proposalForm(w, load) : null,
      w.proposal
        ? h(
            'section',
            { class: 'proposal' },
            h('h2', {}, `我的方案 · ${yuan(w.proposal.priceFen)}`),
            h('pre', { class: 'itinerary' }, w.proposal.itinerary),
          )
        : null,
      w.status === 'expired' ? h('p', { class: 'closed' }, '未在截止前提交方案，名额已释放给其他定制师。') : null,
      w.status === 'declined' ? h('p', { class: 'closed' }, '你没有接受这次派单，名额已交还，不计入超时。') : null,
    );
  };
  void load();
  live?.on((e, how) => {
    if (e.data.workOrderId === id) void load();
    notify(e, how);
  });
}

const OFFER_BADGE: [string, string] = ['系统派单·待接受', 'badge--warn'];

/** A dispatched requirement: what it is, by when to answer, accept or decline (declining asks first). */
function offerBox(w: WorkOrder, done: () => void): HTMLElement {
  const accept = h('button', { class: 'weui-btn weui-btn_primary', type: 'button', id: 'accept' }, '接受派单');
  const decline = h('button', { class: 'weui-btn weui-btn_default', type: 'button', id: 'decline' }, '拒绝');
  const answer = async (verb: 'accept' | 'decline') => {
    if (verb === 'decline' && !(await dialog('拒绝这个派单？', '名额会重新开放给其他定制师，你将不能再接这个需求。', '拒绝', '再想想')))
      return;
    accept.disabled = decline.disabled = true;
    try {
      await api('POST', `/api/planner/work-orders/${encodeURIComponent(w.id)}/${verb}`);
      toast(verb === 'accept' ? '已接受，请尽快联系用户' : '已拒绝');
      done();
    } catch (err) {
      await dialog('没有成功', say(err), '知道了');
      done();
    }
  };
  accept.addEventListener('click', () => void answer('accept'));
  decline.addEventListener('click', () => void answer('decline'));
  return h(
    'section',
    { class: 'offer' },
    h('h2', {}, '系统派单'),
    h('p', {}, '这个需求在开放期内无人抢单，系统按匹配度派给了你。接受后可看到用户的联系方式，并在截止前提交方案。'),
    h('p', { class: 'offer__by' }, `请在 ${clock(w.offer!.acceptBy)} 前答复（${left(Date.parse(w.offer!.acceptBy))}），逾期未答视为拒绝。`),
    h('div', { class: 'actions' }, accept, decline),
  );
}

function proposalForm(w: WorkOrder, done: () => void): HTMLElement {
  const itinerary = h('textarea', {
    class: 'weui-textarea',
    name: 'itinerary',
    'aria-label': '行程方案',
    rows: 8,
    maxlength: 20000,
    placeholder: '第1天：…\n第2天：…（至少10个字）',
  });
  const price = h('input', {
    class: 'weui-input',
    name: 'price',
    'aria-label': '价格（元）',
    type: 'number',
    inputmode: 'decimal',
    min: 1,
    step: '0.01',
    placeholder: '方案总价（元）',
  });
  const errs = {
    itinerary: h('div', { class: 'field-error', 'data-for': 'itinerary' }),
    priceFen: h('div', { class: 'field-error', 'data-for': 'priceFen' }),
  };
  const submit = h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '提交方案');
  const form = h(
    'form',
    { class: 'proposal-form', novalidate: true },
    h('div', { class: 'weui-cells__title' }, '行程方案'),
    h('div', { class: 'weui-cells weui-cells_form' }, h('div', { class: 'weui-cell' }, h('div', { class: 'weui-cell__bd' }, itinerary))),
    errs.itinerary,
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      h(
        'label',
        { class: 'weui-cell' },
        h('div', { class: 'weui-cell__hd' }, h('span', { class: 'weui-label' }, '价格（元）')),
        h('div', { class: 'weui-cell__bd' }, price),
      ),
    ),
    errs.priceFen,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const problems: Record<string, string> = {};
    if (itinerary.value.trim().length < 10) problems.itinerary = '行程方案至少写10个字。';
    const yuanValue = Number(price.value);
    if (!price.value || !Number.isFinite(yuanValue) || yuanValue < 1) problems.priceFen = '请填写报价，至少1元。';
    for (const [k, el] of Object.entries(errs)) el.textContent = problems[k] ?? '';
    if (Object.keys(problems).length) return;
    submit.classList.add('weui-btn_loading');
    try {
      await api('POST', `/api/planner/work-orders/${encodeURIComponent(w.id)}/proposal`, {
        itinerary: itinerary.value,
        priceFen: Math.round(yuanValue * 100),
      });
      toast('方案已提交');
      done();
    } catch (err) {
      const f = err instanceof ApiError ? (err.fields ?? (err.field ? { [err.field]: err.message } : {})) : {};
      let shown = false;
      for (const [k, el] of Object.entries(errs))
        if (f[k]) {
          el.textContent = f[k];
          shown = true;
        }
      if (!shown) await dialog('提交失败', say(err), '知道了');
    } finally {
      submit.classList.remove('weui-btn_loading');
    }
  });
  return form;
}

/** A WeChat user who is not yet a planner: type the code from ops to bind. */
export function bindPage(root: Element, next: string) {
  const code = h('input', {
    class: 'weui-input',
    id: 'bind-code',
    name: 'code',
    maxlength: 8,
    autocapitalize: 'characters',
    autocomplete: 'off',
    spellcheck: false,
    placeholder: '8位绑定码，如 K7M3Q9XP',
  });
  const err = h('div', { class: 'field-error', 'data-for': 'code' });
  const form = h(
    'form',
    { novalidate: true },
    h(
      'div',
      { class: 'weui-msg__text-area' },
      h('h2', { class: 'weui-msg__title' }, '绑定定制师账号'),
      h('p', { class: 'weui-msg__desc' }, '请输入运营发给你的8位绑定码（字母和数字，不分大小写）。绑定后即可在微信里抢单。'),
    ),
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      h(
        'div',
        { class: 'weui-cell' },
        h('div', { class: 'weui-cell__hd' }, h('label', { class: 'weui-label', for: 'bind-code' }, '绑定码')),
        h('div', { class: 'weui-cell__bd' }, code),
      ),
    ),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '绑定')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!/^[0-9a-z]{8}$/i.test(code.value.trim())) return void (err.textContent = '绑定码是8位字母和数字。');
    try {
      await api('POST', '/api/wechat/bind', { code: code.value.trim() });
      location.href = next;
    } catch (e) {
      err.textContent = say(e);
    }
  });
  mount(root, h('main', { class: 'content weui-msg' }, form));
}
