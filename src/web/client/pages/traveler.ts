/** The traveler's pages: the trip form (every field checked, each error under its field), my trips, one trip live. */
import { splitList } from '../../../lists.js';
import { api, ApiError, say } from '../api.js';
import { dialog, empty, failed, h, loading, mount, toast } from '../dom.js';
import { budget, clock, dates, party, TIER, yuan } from '../fmt.js';
import type { Live } from '../live.js';
import { flashTitle, linkBar } from '../notice.js';

const STATUS: Record<string, string> = {
  open: '正在为你匹配定制师',
  full: '定制师已就位，方案准备中',
  chosen: '已选定方案',
  paid: '已支付定金',
  closed: '已关闭',
  cancelled: '已取消',
};

/** A trip's status in one word, the deposit's own once it has one (paid, part refunded, refunded): the same on the list and the page. */
function tripWord(q: { status: string; deposit?: { status: string; state?: { word: string }; word?: string } | null }): string {
  const deposit = q.deposit?.state?.word ?? q.deposit?.word;
  if (q.status === 'paid' && deposit) return deposit;
  return STATUS[q.status] ?? q.status;
}

function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** One WeUI form cell with its label and a place for its error; `key` is the API's field name. */
function cell(key: string, label: string, input: Field, hint?: string) {
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

const input = (name: string, attrs: Record<string, string | number | boolean> = {}) => h('input', { class: 'weui-input', name, ...attrs });

export function tripForm(root: Element) {
  const f = {
    name: input('name', { maxlength: 50, placeholder: '怎么称呼你', autocomplete: 'name' }),
    phone: input('phone', { type: 'tel', maxlength: 11, inputmode: 'numeric', placeholder: '11位手机号', autocomplete: 'tel' }),
    subject: h(
      'select',
      { class: 'weui-select', name: 'subject' },
      h('option', { value: 'individual' }, '个人/家庭'),
      h('option', { value: 'enterprise' }, '企业团建/差旅'),
    ),
    company: input('company', { maxlength: 100, placeholder: '公司名称' }),
    origin: input('origin', { maxlength: 50, placeholder: '如：上海' }),
    destinations: input('destinations', { placeholder: '如：京都、大阪（用顿号或逗号分隔）' }),
    departDate: input('departDate', { type: 'date', min: chinaToday() }),
    returnDate: input('returnDate', { type: 'date', min: chinaToday() }),
    adults: input('adults', { type: 'number', min: 1, max: 99, value: 2, inputmode: 'numeric' }),
    children: input('children', { type: 'number', min: 0, max: 99, value: 0, inputmode: 'numeric' }),
    budget: input('budget', { type: 'number', min: 1, step: 1, inputmode: 'numeric', placeholder: '总预算（元）' }),
    budgetType: h(
      'select',
      { class: 'weui-select', name: 'budgetType' },
      h('option', { value: 'total' }, '总预算'),
      h('option', { value: 'per_person' }, '人均'),
    ),
    plannersWanted: h(
      'select',
      { class: 'weui-select', name: 'plannersWanted' },
      h('option', { value: '3' }, '3位（多比较）'),
      h('option', { value: '2' }, '2位'),
      h('option', { value: '1' }, '1位'),
    ),
    notes: h('textarea', {
      class: 'weui-textarea',
      name: 'notes',
      rows: 3,
      maxlength: 2000,
      placeholder: '想玩什么、住什么、忌口……（选填）',
    }),
  };
  const companyCell = cell('company', '公司', f.company);
  const cells: [string, HTMLElement][] = [
    ['traveler.name', cell('traveler.name', '称呼', f.name)],
    ['traveler.phone', cell('traveler.phone', '手机号', f.phone, '只有抢到你需求的定制师能看到')],
    ['subject', cell('subject', '出行类型', f.subject)],
    ['company', companyCell],
    ['origin', cell('origin', '出发地', f.origin)],
    ['destinations', cell('destinations', '目的地', f.destinations)],
    ['departDate', cell('departDate', '出发日期', f.departDate)],
    ['returnDate', cell('returnDate', '返回日期', f.returnDate)],
    ['adults', cell('adults', '成人', f.adults)],
    ['children', cell('children', '儿童', f.children)],
    ['budgetFen', cell('budgetFen', '预算（元）', f.budget)],
    ['budgetType', cell('budgetType', '预算方式', f.budgetType)],
    ['plannersWanted', cell('plannersWanted', '定制师人数', f.plannersWanted, '几位定制师为你出方案')],
    ['notes', cell('notes', '备注', f.notes)],
  ];
  const showCompany = () => (companyCell.hidden = f.subject.value !== 'enterprise');
  f.subject.addEventListener('change', showCompany);
  showCompany();

  const summary = h('div', { class: 'weui-toptips weui-toptips_warn form-summary', role: 'alert', hidden: true });
  const submit = h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '提交需求');
  const form = h(
    'form',
    { class: 'trip-form', novalidate: true },
    h(
      'div',
      { class: 'weui-form__text-area' },
      h('h2', { class: 'weui-form__title' }, '定制我的旅行'),
      h('div', { class: 'weui-form__desc' }, '填写需求，最多3位专业定制师为你量身设计方案'),
    ),
    summary,
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      cells.map(([, c]) => c),
    ),
    h('div', { class: 'actions' }, submit),
  );

  const show = (errors: Record<string, string>) => {
    let first: HTMLElement | null = null;
    for (const [key, c] of cells) {
      // The API names list items too (destinations.0): they belong to the list's field.
      const msg = errors[key] ?? Object.entries(errors).find(([k]) => k.startsWith(`${key}.`))?.[1] ?? '';
      c.classList.toggle('weui-cell_warn', !!msg);
      c.querySelector('.field-error')!.textContent = msg; // a whole sentence, the field named in it
      if (msg && !first) first = c;
    }
    const n = Object.keys(errors).length;
    summary.hidden = n === 0;
    summary.textContent = n ? `有 ${n} 项需要修改` : '';
    (first as HTMLElement | null)?.scrollIntoView({ block: 'center' });
  };

  const body = () => {
    const destinations = splitList(f.destinations.value);
    const num = (el: HTMLInputElement) => (el.value === '' ? NaN : Number(el.value));
    return {
      traveler: { name: f.name.value.trim(), phone: f.phone.value.trim() },
      subject: f.subject.value,
      ...(f.subject.value === 'enterprise' ? { company: f.company.value.trim() } : {}),
      origin: f.origin.value.trim(),
      destinations,
      departDate: f.departDate.value,
      returnDate: f.returnDate.value,
      adults: num(f.adults),
      children: num(f.children),
      budgetFen: Math.round(num(f.budget) * 100),
      budgetType: f.budgetType.value,
      plannersWanted: Number(f.plannersWanted.value),
      ...(f.notes.value.trim() ? { notes: f.notes.value.trim() } : {}),
    };
  };

  /** The same rules as the server, said in Chinese before a round trip; the server still decides. */
  const check = (b: ReturnType<typeof body>) => {
    const e: Record<string, string> = {};
    if (!b.traveler.name) e['traveler.name'] = '请填写称呼。';
    if (!/^1[3-9]\d{9}$/.test(b.traveler.phone)) e['traveler.phone'] = '请填写11位手机号。';
    if (b.subject === 'enterprise' && !b.company) e.company = '企业出行请填写公司名称。';
    if (!b.origin) e.origin = '请填写出发地。';
    if (b.destinations.length === 0) e.destinations = '请至少填写一个目的地。';
    else if (b.destinations.length > 10) e.destinations = '目的地最多10个。';
    if (!b.departDate) e.departDate = '请选择出发日期。';
    else if (b.departDate < chinaToday()) e.departDate = '出发日期不能早于今天。';
    if (!b.returnDate) e.returnDate = '请选择返回日期。';
    else if (b.departDate && b.returnDate < b.departDate) e.returnDate = '返回日期不能早于出发日期。';
    if (!Number.isInteger(b.adults) || b.adults < 1 || b.adults > 99) e.adults = '成人人数请填写1到99。';
    if (!Number.isInteger(b.children) || b.children < 0 || b.children > 99) e.children = '儿童人数请填写0到99。';
    if (!Number.isFinite(b.budgetFen) || b.budgetFen < 100) e.budgetFen = '请填写预算，至少1元。';
    return e;
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const b = body();
    const problems = check(b);
    show(problems);
    if (Object.keys(problems).length) return;
    submit.classList.add('weui-btn_loading');
    submit.disabled = true;
    try {
      const r = await api<{ id: number }>('POST', '/api/traveler/requirements', b);
      toast('提交成功');
      location.href = `/h5/my/requirements/${r.id}`;
    } catch (err) {
      if (err instanceof ApiError && (err.fields || err.field)) show(err.fields ?? { [err.field!]: err.message });
      else await dialog('提交失败', say(err), '知道了');
    } finally {
      submit.classList.remove('weui-btn_loading');
      submit.disabled = false;
    }
  });
  mount(root, h('main', { class: 'content weui-form' }, form));
}

export function myListPage(root: Element) {
  const body = h('main', { class: 'content' });
  mount(root, body);
  const load = async () => {
    mount(body, loading());
    try {
      const { items } = await api<{ items: any[] }>('GET', '/api/traveler/requirements');
      const newBtn = h('a', { class: 'weui-btn weui-btn_primary', href: '/h5/trip' }, '提交新需求');
      mount(
        body,
        h('h1', { class: 'page__title' }, '我的定制'),
        items.length === 0
          ? empty('还没有定制需求', '告诉我们你想去哪，专业定制师会为你设计方案。', newBtn)
          : [
              h(
                'div',
                { class: 'weui-cells' },
                items.map((q) =>
                  h(
                    'a',
                    { class: 'weui-cell weui-cell_access', href: `/h5/my/requirements/${q.id}` },
                    h(
                      'div',
                      { class: 'weui-cell__bd' },
                      h('p', {}, q.destinations.join('、')),
                      h('p', { class: 'sub' }, `${dates(q.departDate, q.returnDate)} · ${q.proposals} 份方案`),
                    ),
                    h('div', { class: 'weui-cell__ft' }, tripWord(q)),
                  ),
                ),
              ),
              h('div', { class: 'actions' }, newBtn),
            ],
        phoneProof(load),
      );
    } catch (err) {
      mount(body, failed(say(err), load));
    }
  };
  void load();
}

/**
 * Proving a phone by SMS: only then do the trips ops entered for that number join this WeChat
 * user's (a typed number alone links nothing). Errors go under their field.
 */
function phoneProof(done: () => void): HTMLElement {
  const phone = input('verifyPhone', { type: 'tel', maxlength: 11, inputmode: 'numeric', placeholder: '11位手机号', autocomplete: 'tel' });
  const code = input('verifyCode', { maxlength: 6, inputmode: 'numeric', placeholder: '6位验证码', autocomplete: 'one-time-code' });
  const cells = { phone: cell('phone', '手机号', phone), code: cell('code', '验证码', code) };
  const show = (fields: Record<string, string>) => {
    for (const [k, c] of Object.entries(cells)) c.querySelector('.field-error')!.textContent = fields[k] ?? '';
  };
  const send = h('button', { type: 'button', class: 'weui-btn weui-btn_default weui-btn_mini' }, '获取验证码');
  const verify = h('button', { type: 'button', class: 'weui-btn weui-btn_primary weui-btn_mini' }, '验证');
  const step = async (btn: HTMLButtonElement, call: () => Promise<unknown>, ok: string) => {
    btn.disabled = true;
    show({});
    try {
      await call();
      toast(ok);
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.fields || err.field)) show(err.fields ?? { [err.field!]: err.message });
      else toast(say(err), 'warn');
      return false;
    } finally {
      btn.disabled = false;
    }
  };
  // Sent: the button counts down to when another code may be asked for (the server says how long).
  const countdownFrom = (sec: number) => {
    const until = Date.now() + sec * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        send.disabled = false;
        send.textContent = '重新获取';
        return;
      }
      send.disabled = true;
      send.textContent = `${left} 秒后可重发`;
      window.setTimeout(tick, 1000);
    };
    tick();
  };
  send.addEventListener('click', async () => {
    let wait = 60;
    const sent = await step(
      send,
      async () => {
        const r = await api<{ resendAfterSec?: number }>('POST', '/api/traveler/phone/code', { phone: phone.value.trim() });
        wait = r.resendAfterSec ?? wait;
      },
      '验证码已发送',
    );
    if (sent) countdownFrom(wait);
  });
  verify.addEventListener('click', async () => {
    if (
      await step(
        verify,
        () => api('POST', '/api/traveler/phone/verify', { phone: phone.value.trim(), code: code.value.trim() }),
        '手机号已验证',
      )
    )
      done();
  });
  return h(
    'section',
    { class: 'phone-proof weui-form' },
    h('h2', { class: 'page__title' }, '验证手机号'),
    h('p', { class: 'sub' }, '客服帮你登记过需求？验证手机号后，它们会出现在这里。'),
    cells.phone,
    cells.code,
    h('div', { class: 'actions' }, send, verify),
  );
}

/** One trip: progress, then the proposals side by side, choose one; updates live. */
interface DepositView {
  status: string;
  message: string;
  amountFen?: number;
  refundedFen?: number;
  state?: { word: string; line: string };
  outTradeNo?: string;
  sandbox?: boolean;
  payParams?: { appId: string; timeStamp: string; nonceStr: string; package: string; signType: string; paySign: string };
}

/** Orders this tab came back from the pay sheet with "ok" (sessionStorage): shown as 确认中, never offered to pay again meanwhile. */
const RETURNED_MS = 10 * 60_000;
const returnedKey = (no: string) => `paid-returned:${no}`;
const returnedFrom = (no?: string) => Boolean(no) && Date.now() - Number(sessionStorage.getItem(returnedKey(no!)) ?? 0) < RETURNED_MS;

/**
 * The deposit under the chosen proposal: what it is and, while unpaid, the button that pays it —
 * WeChat's own pay sheet inside WeChat (WeixinJSBridge), the sandbox's cashier sheet elsewhere.
 * Paid is known from the server, never from the sheet's word alone: back from the sheet with "ok",
 * the page says 确认中 and has the server ask WeChat Pay about the order.
 */
function depositBox(d: DepositView, reload: () => void): HTMLElement {
  const box = h('div', { class: `deposit deposit--${d.status}`, 'data-deposit': d.status }, h('p', {}, d.message));
  if (d.status !== 'pending' && d.state?.line) box.append(h('p', { class: 'deposit__amount' }, d.state.line));
  if (d.status !== 'pending' || !d.payParams || !d.amountFen) return box;
  const amount = yuan(d.amountFen);
  const confirming = () => {
    box.dataset.deposit = 'confirming';
    box.replaceChildren(
      h('p', { class: 'deposit__confirming' }, '支付结果确认中…'),
      h('p', { class: 'sub' }, `定金 ${amount}：正在向微信支付确认，请不要重复支付。`),
    );
  };
  const waitPaid = async () => {
    sessionStorage.setItem(returnedKey(d.outTradeNo!), String(Date.now()));
    confirming();
    const path = `${location.pathname.replace('/h5/my', '/api/traveler')}/deposit/confirm`;
    for (let i = 0; i < 8; i++) {
      const r = await api<{ status: string }>('POST', path, {}).catch(() => null);
      if (r?.status === 'paid') return reload();
      await new Promise((ok) => setTimeout(ok, 2000));
    }
    box.replaceChildren(
      h('p', { class: 'deposit__confirming' }, '支付结果确认中'),
      h('p', { class: 'sub' }, '微信支付还没有确认这笔付款。如果你已经付款，请不要重复支付：确认后会通知你。'),
    );
  };
  if (returnedFrom(d.outTradeNo)) {
    void waitPaid();
    return box;
  }
  const btn = h('button', { class: 'weui-btn weui-btn_primary deposit__pay' }, `支付定金 ${amount}`) as HTMLButtonElement;
  btn.addEventListener('click', () => {
    const bridge = (window as unknown as { WeixinJSBridge?: { invoke(n: string, p: unknown, cb: (r: { err_msg: string }) => void): void } })
      .WeixinJSBridge;
    if (bridge) {
      bridge.invoke('getBrandWCPayRequest', d.payParams, (r) => {
        if (r.err_msg === 'get_brand_wcpay_request:ok') void waitPaid();
      });
    } else if (d.sandbox) cashier(d, amount, waitPaid);
    else void dialog('请在微信中支付', '定金通过微信支付：请在微信里打开这个页面。', '知道了');
  });
  box.append(h('p', { class: 'deposit__amount' }, `定金 ${amount}`), btn);
  return box;
}

/** The sandbox's stand-in for WeChat's pay sheet: amount, merchant, 支付 / 取消 (WeChat Pay notifies the server). */
function cashier(d: DepositView, amount: string, paid: () => Promise<void>) {
  const pay = h('button', { class: 'weui-btn weui-btn_primary' }, '支付') as HTMLButtonElement;
  const cancel = h('button', { class: 'weui-btn weui-btn_default' }, '取消');
  // The sandbox only: how WeChat Pay's notification comes (now, late, twice, or never: then only a query finds the payment).
  const deliver = h(
    'select',
    { class: 'cashier__deliver', 'aria-label': '支付通知（沙箱）' },
    h('option', { value: 'now' }, '通知：立即'),
    h('option', { value: 'late' }, '通知：延迟 3 秒'),
    h('option', { value: 'twice' }, '通知：发两次'),
    h('option', { value: 'never' }, '通知：不发（靠查询）'),
  ) as HTMLSelectElement;
  const sheet = h(
    'div',
    { class: 'cashier', role: 'dialog', 'aria-label': '微信支付' },
    h(
      'div',
      { class: 'cashier__sheet' },
      h('p', { class: 'cashier__title' }, '微信支付', h('span', { class: 'cashier__sandbox' }, '沙箱')),
      h('p', { class: 'cashier__merchant' }, '定制游抢单 · 定金'),
      h('p', { class: 'cashier__amount' }, amount),
      pay,
      cancel,
      deliver,
    ),
  );
  cancel.addEventListener('click', () => sheet.remove());
  pay.addEventListener('click', async () => {
    pay.classList.add('weui-btn_loading');
    try {
      await api('POST', '/sandbox/pay/cashier', { prepayId: d.payParams!.package.replace('prepay_id=', ''), deliver: deliver.value });
      sheet.remove();
      await paid();
    } catch (err) {
      sheet.remove();
      await dialog('支付没有完成', say(err), '知道了');
    }
  });
  document.body.append(sheet);
}

export function myRequirementPage(root: Element, live: Live | null, id: number) {
  const bar = linkBar();
  live?.onStateChange(bar.update);
  const body = h('main', { class: 'content' });
  mount(root, bar.el, body);
  let seq = 0;
  const load = async (first = false) => {
    const mine = ++seq;
    if (first) mount(body, loading());
    let q: any;
    try {
      q = await api('GET', `/api/traveler/requirements/${id}`);
    } catch (err) {
      if (mine !== seq) return;
      mount(
        body,
        err instanceof ApiError && err.status === 404
          ? empty(
              '找不到这个需求',
              '它可能属于另一个微信账号。',
              h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: '/h5/my/requirements' }, '我的定制'),
            )
          : failed(say(err), () => void load(true)),
      );
      return;
    }
    if (mine !== seq) return;
    const taken = q.workOrders.length;
    const proposals = q.workOrders.filter((w: any) => w.proposal);
    const steps: [string, boolean][] = [
      ['已提交', true],
      [`定制师 ${taken}/${q.plannersWanted}`, taken > 0],
      [`方案 ${proposals.length}`, proposals.length > 0],
      ['已选定', q.status === 'chosen' || q.status === 'paid'],
    ];
    const chosen = q.workOrders.find((w: any) => w.status === 'chosen');
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
              proposals.map((w: any) => proposalCard(q, w, chosen, () => void load())),
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
function waiting(q: any, taken: number): HTMLElement {
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
function nextSteps(w: any, deposit: string | null): HTMLElement {
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
function summary(q: any, proposals: any[]): HTMLElement {
  const people = q.adults + q.children;
  const budgetTotal = q.budgetType === 'per_person' ? q.budgetFen * people : q.budgetFen;
  return h(
    'ol',
    { class: 'proposal-summary' },
    proposals.map((w: any, i: number) => {
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

function proposalCard(q: any, w: any, chosen: any, reload: () => void) {
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
