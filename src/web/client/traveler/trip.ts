/** One trip, live: progress, then the proposals side by side, choose one, pay the deposit. */

import type { TripView, TripWorkOrder } from '../../../shared/wire.js';
import { api, say } from '../api.js';
import { dialog, empty, h, mount, toast } from '../dom.js';
import { budget, clock, dates, party, TIER, yuan } from '../fmt.js';
import type { Live } from '../live.js';
import { loadInto } from '../load.js';
import { flashTitle, linkBar } from '../notice.js';
import { depositBox } from './deposit.js';
import { tripWord } from './words.js';

/** One trip: progress, then the proposals side by side, choose one; updates live. */
/** A planner's slot that holds a proposal. */
type Proposed = TripWorkOrder & { proposal: NonNullable<TripWorkOrder['proposal']> };

export function myRequirementPage(root: Element, live: Live | null, id: number) {
  const bar = linkBar();
  live?.onStateChange(bar.update);
  const body = h('main', { class: 'content' });
  mount(root, bar.el, body);
  let seq = 0;
  const load = async (first = false) => {
    const mine = ++seq;
    const q = await loadInto<TripView>(
      body,
      `/api/traveler/requirements/${id}`,
      { title: '找不到这个需求', why: '它可能属于另一个微信账号。', back: ['/h5/my/requirements', '我的定制'] },
      () => void load(true),
      { quiet: !first, stale: () => mine !== seq },
    );
    if (!q) return;
    const taken = q.workOrders.length;
    const proposals = q.workOrders.filter((w): w is Proposed => Boolean(w.proposal));
    const steps: [string, boolean][] = [
      ['已提交', true],
      [`定制师 ${taken}/${q.plannersWanted}`, taken > 0],
      [`方案 ${proposals.length}`, proposals.length > 0],
      ['已选定', q.status === 'chosen' || q.status === 'paid'],
    ];
    const chosen = q.workOrders.find((w) => w.status === 'chosen');
    mount(
      body,
      h(
        'h1',
        { class: 'page__title' },
        q.destinations.join('、'),
        h('small', {}, `${dates(q.departDate, q.returnDate)} · ${party(q.adults, q.children)} · 预算 ${budget(q.budgetFen, q.budgetType)}`),
        h('small', { class: 'code' }, `需求编号 ${q.code}`),
      ),
      h(
        'ol',
        { class: 'steps', 'data-status': q.status },
        steps.map(([t, done]) => h('li', { class: done ? 'done' : '' }, t)),
      ),
      h(
        'p',
        { class: 'status-line' },
        q.attention === 'no-planners' ? '运营同事正在为你安排定制师' : tripWord(q),
        q.status === 'open' && q.slotsLeft > 0 && !q.attention ? `，还在等 ${q.slotsLeft} 位定制师` : '',
      ),
      q.notes ? h('p', { class: 'notes' }, `你的备注：${q.notes}`) : null,
      chosen ? nextSteps(chosen, q.status === 'paid' ? (q.deposit?.status ?? 'paid') : null) : null,
      q.deposit ? depositBox(q.deposit, () => void load()) : null,
      proposals.length === 0
        ? waiting(q, taken)
        : [
            summary(q, proposals),
            h(
              'section',
              { class: 'proposals', style: `--n:${proposals.length}` },
              proposals.map((w) => proposalCard(q, w, chosen, () => void load())),
            ),
          ],
      h('div', { class: 'actions' }, h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: '/h5/my/requirements' }, '我的定制')),
    );
  };
  void load(true);
  live?.on((e, how) => {
    if (e.type !== 'requirement' || e.data.requirementId !== id) return;
    void load();
    const say = { taken: '有定制师接单了', proposal: '收到新方案', expired: '一位定制师超时，正在为你找新的定制师', chosen: '已选定方案' }[
      e.data.what as string
    ];
    if (say && how.unseen) flashTitle(say);
    if (say && how.popup) toast(say); // the page itself shows what changed: a brief word is enough
  });
}

/** No proposal yet: what the trip is waiting for, in words that match its status. */
function waiting(q: TripView, taken: number): HTMLElement {
  if (q.status === 'closed' || q.status === 'cancelled')
    return empty('这个需求已关闭', '它不再接受定制师接单。如需继续定制，请重新提交需求。');
  if (q.attention === 'no-planners')
    return empty(
      '暂时没有定制师服务这些目的地',
      '运营同事已收到提醒，会为你人工安排定制师，或打电话与你商量调整目的地。你不需要重新提交，有进展会通知你。',
    );
  if (q.attention === 'flagged' && !taken)
    return empty('定制师暂时没有接单', '运营同事已收到提醒，正在为你人工安排定制师；安排好后会通知你。');
  return empty(
    taken ? '定制师正在为你设计方案' : '正在为你匹配定制师',
    taken
      ? `方案会在接单后 ${q.proposalWithinHours} 小时内送到这里，届时会通知你。`
      : `有定制师接单后会通知你，接单后 ${q.proposalWithinHours} 小时内送来方案。`,
  );
}

/** After choosing: who the planner is, how to reach them, what happens next. */
function nextSteps(w: TripWorkOrder, deposit: string | null): HTMLElement {
  return h(
    'section',
    { class: 'next-steps' },
    h('h2', {}, `你选择了 ${w.planner.name} 的方案`),
    w.contact ? h('p', {}, `${w.planner.supplier} · 电话 `, h('a', { href: `tel:${w.contact.phone}` }, w.contact.phone)) : null,
    h(
      'p',
      { class: 'sub' },
      deposit === 'refunded'
        ? '定金已退回；如有疑问，请联系定制师或平台客服。'
        : deposit === 'refunding'
          ? '定金退款处理中，退回后会通知你。'
          : deposit
            ? '定金已支付，行程已为你预留；定制师会尽快联系你确认细节。'
            : '定制师会尽快联系你确认细节；确认后支付定金，行程即为你预留。',
    ),
  );
}

/** One line per proposal above the cards: which one, its price against the budget, the planner's tier. */
function summary(q: TripView, proposals: Proposed[]): HTMLElement {
  const people = q.adults + q.children;
  const budgetTotal = q.budgetType === 'per_person' ? q.budgetFen * people : q.budgetFen;
  return h(
    'ol',
    { class: 'proposal-summary' },
    proposals.map((w, i: number) => {
      const diff = Math.round(((w.proposal.priceFen - budgetTotal) / budgetTotal) * 100);
      const vs = diff <= 0 ? '在预算内' : `超预算 ${diff}%`;
      return h(
        'li',
        { class: diff > 0 ? 'over' : '' },
        `第 ${i + 1}/${proposals.length} 份 · ${w.planner.name}（${TIER[w.planner.tier] ?? w.planner.tier}）· ${yuan(w.proposal.priceFen)} · ${vs}`,
      );
    }),
  );
}

function proposalCard(q: TripView, w: Proposed, chosen: TripWorkOrder | undefined, reload: () => void) {
  const canChoose = !chosen && (q.status === 'open' || q.status === 'full');
  const btn = canChoose ? h('button', { class: 'weui-btn weui-btn_primary weui-btn_mini', type: 'button' }, '选择此方案') : null;
  btn?.addEventListener('click', async () => {
    const ok = await dialog(
      '选择这份方案？',
      `${w.planner.name}(${w.planner.supplier})· ${yuan(w.proposal.priceFen)}。选定后其他定制师的方案将关闭${
        w.proposal.depositFen ? `，并需支付定金 ${yuan(w.proposal.depositFen)}（微信支付）` : ''
      }。`,
      '确定选择',
      '再想想',
    );
    if (!ok) return;
    btn.classList.add('weui-btn_loading');
    try {
      const r = await api<{ deposit: { message: string } }>('POST', `/api/traveler/requirements/${q.id}/choose`, { workOrderId: w.id });
      toast('已选定');
      // What happens next: the deposit (the page shows its button under the chosen proposal).
      await dialog('已选定方案', r.deposit.message, '好的');
    } catch (err) {
      await dialog('没能选定', say(err), '知道了');
    } finally {
      reload();
    }
  });
  return h(
    'article',
    {
      class: `proposal-card ${w.status === 'chosen' ? 'is-chosen' : ''} ${chosen && w.status !== 'chosen' ? 'is-off' : ''}`,
      'data-wo': w.id,
    },
    h(
      'header',
      {},
      h('strong', {}, w.planner.name),
      h('span', { class: 'sub' }, `${w.planner.supplier} · ${TIER[w.planner.tier] ?? w.planner.tier}定制师`),
    ),
    h('div', { class: 'price' }, yuan(w.proposal.priceFen)),
    h('pre', { class: 'itinerary' }, w.proposal.itinerary),
    h(
      'footer',
      {},
      h('span', { class: 'sub' }, `提交于 ${clock(w.proposal.createdAt)}`),
      w.status === 'chosen' ? h('span', { class: 'badge badge--ok' }, '已选定') : btn,
    ),
  );
}
