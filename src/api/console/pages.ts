/**
 * The ops console's pages (PC, Chinese): dashboard, requirements and one requirement's timeline,
 * planners and one planner's record, suppliers, tier grading, accounts and the audit log (admins).
 * Read from the same capabilities as the API; every change is a form the console script sends to
 * /api/ops/… (audited there), so this module writes nothing.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../../context.js';
import { TIERS } from '../../config.js';
import { chinaDate, esc, partyWords } from '../../format.js';
import { depositState, yuanText } from '../../money.js';
import { idParam, parse } from '../../http/body.js';
import {
  auditLog,
  broadcastView,
  gradingRun,
  gradingRuns,
  listAccounts,
  listBroadcasts,
  listPlanners,
  listRequirements,
  listSuppliers,
  plannerRecord,
  REQUIREMENT_STATUSES,
  requirementTimeline,
  scoresNow,
} from '../../ops/index.js';
import { DomainError } from '../../errors.js';
import { plannerQuery, requirementQuery } from '../ops-inputs.js';
import { paymentsReport } from '../../pay/index.js';
import { actionWords, attemptWords, changeWords, cronWords, massStatusWords, withCode } from './words.js';
import { apiForm, CHANNEL, field, input, type Me, pager, render, STATUS, select, table, tag, when, withQuery, yuan } from './layout.js';

const DEPOSIT_STATUS: Record<string, string> = {
  pending: '待支付',
  paid: '已支付',
  closed: '已关闭',
  refunding: '退款中',
  refunded: '已退款',
};
/** A deposit's record in words (payment_events.what and .who). */
const PAYMENT_EVENTS: Record<string, string> = {
  created: '下单',
  prepay: '发起支付',
  paid: '已支付',
  closed: '订单关闭（未支付）',
  'refund-requested': '申请退款',
  'refund-success': '退款成功',
  'refund-abnormal': '退款异常（钱已从商户转出，未到账）',
  'refund-closed': '退款关闭（未退）',
  'refund-refused': '微信支付拒绝退款',
};
const PAYMENT_WHO: Record<string, string> = {
  traveler: '旅行者',
  system: '系统',
  'wechatpay-notify': '微信支付通知',
  'refund-answer': '微信支付应答',
  'scheduled-query': '系统查单',
  'close-query': '关单前查单',
  'return-query': '支付完成后查单',
};
const REFUND_STATUS: Record<string, string> = {
  processing: '处理中',
  success: '已退回',
  abnormal: '异常：需人工处理',
  closed: '已关闭（未退）',
  refused: '被拒绝（未退）',
};

const CHANNEL_WORDS: Record<string, string> = { live: '实时通知', template: '模板消息', mass: '微信群发' };
const BROADCAST_STATUS: Record<string, string> = { draft: '草稿', sending: '发送中', done: '已发完', cancelled: '已取消' };
const TIER_OPTIONS: [string, string][] = TIERS.map((t) => [t, `${t} 级`]);
const link = (href: string, text: string) => `<a href="${esc(href)}">${esc(text)}</a>`;
const list = (xs: string[]) => esc(xs.join('、'));

/** A query that did not parse: the page says which field and why, instead of guessing. */
function queryErrors(err: unknown): string {
  if (!(err instanceof DomainError) || !err.fields) throw err;
  // The sentences name their field already (http/words.ts): no machine names before them.
  return `<p class="err" role="alert">${Object.values(err.fields)
    .map((m) => esc(m))
    .join(' ')}</p>`;
}

export function consolePages(app: Ctx, r: Router, me: (ctx: Context) => Me) {
  const page = (ctx: Context, title: string, body: string, here: string) => render(ctx, title, body, me(ctx), here);

  // ── dashboard: filled and refreshed by the console script (GET /api/ops/stats/…) ──
  r.get('/', async (ctx) => {
    const stat = (k: string, label: string) =>
      `<div class="stat"><div class="v num" data-k="${k}">—</div><div class="l">${label}</div></div>`;
    await page(
      ctx,
      '看板',
      `<div id="dashboard"><h1>看板 <span class="muted" style="font-size:13px;font-weight:400" data-k="updated"></span></h1>
<section class="box err" id="notify-paused" hidden><b>模板消息已暂停：</b>微信今日的模板消息额度已用完（45009），<span data-k="pausedUntil"></span> 自动恢复；未发出的消息在排队，不会丢。若已在公众平台清零额度，可${apiForm('POST', '/api/ops/notify/resume', '<button class="small">立即恢复发送</button>', { cls: 'inline' })}</section>
<div class="grid g5">${stat('newRequirements', '今日新需求')}${stat('fillRate', '今日名额填充率')}${stat('firstS', 'S 级首抢用时（中位）')}${stat('firstA', 'A 级首抢用时（中位）')}${stat('longTail', '长尾供应商抢到的比例')}</div>
<div class="grid g2" style="margin-top:16px"><section class="box"><h2>6 小时内到期、还没交方案</h2><div id="due" class="muted">加载中…</div></section>
<section class="box"><h2>需要人工处理</h2><div id="flagged" class="muted">加载中…</div></section></div>
<section class="box"><h2 style="display:flex">需求漏斗（每天）<span class="range" style="margin-left:auto"><button class="quiet small on" data-days="14">近 14 天</button><button class="quiet small" data-days="30">近 30 天</button></span></h2><div id="chart-funnel" class="chart"></div><p class="muted" id="funnel-total"></p></section>
<div class="grid g2"><section class="box"><h2>首抢用时（中位数，秒，按等级）</h2><div id="chart-first" class="chart"></div></section>
<section class="box"><h2>抢到的名额：长尾供应商 vs 其他</h2><div id="chart-longtail" class="chart"></div><p class="muted">长尾供应商：在岗定制师不超过 3 人的供应商。</p></section></div></div>`,
      '/ops',
    );
  });

  // ── requirements ──
  r.get('/requirements', async (ctx) => {
    let result: Awaited<ReturnType<typeof listRequirements>> | null = null;
    let problem = '';
    try {
      result = await listRequirements(app, parse(requirementQuery, ctx.query));
    } catch (err) {
      problem = queryErrors(err);
    }
    const q = ctx.query as Record<string, string>;
    const filters = `<form class="filters box" method="get">
${field('状态', 'status', select('status', [['', '全部'], ...REQUIREMENT_STATUSES.map((s): [string, string] => [s, STATUS[s]])], q.status))}
${field('目的地', 'destination', input('destination', q.destination, 'placeholder="如：京都"'))}
${field('提交自', 'from', input('from', q.from, 'type="date"'))}${field('提交至', 'to', input('to', q.to, 'type="date"'))}
${field('已开放到', 'tier', select('tier', [['', '不限'], ...TIER_OPTIONS], q.tier))}
${field(
  '人工处理',
  'flagged',
  select(
    'flagged',
    [
      ['', '不限'],
      ['true', '需要'],
      ['false', '不需要'],
    ],
    q.flagged,
  ),
)}
${field('编号/出行人/手机', 'q', input('q', q.q))}<button type="submit">筛选</button> <a href="/ops/requirements">清除</a></form>`;
    const rows = (result?.items ?? []).map((x) => [
      link(`/ops/requirements/${x.id}`, x.code),
      `${tag(x.status)}${x.flagged ? ' <span class="tag flag">需人工</span>' : ''}`,
      esc(x.traveler),
      list(x.destinations),
      esc(x.departDate),
      yuan(x.budgetFen),
      `<span class="num">${x.held} / ${x.plannersWanted}</span>`,
      esc(x.tierReached ?? '未开放'),
      `<span class="num">${x.candidates}</span>`,
      esc(when(x.createdAt)),
    ]);
    await page(
      ctx,
      '需求',
      `<h1>需求</h1>${filters}${problem}<section class="box">${table(['编号', '状态', '出行人', '目的地', '出发', '预算', '已接/名额', '开放到', '候选', '提交时间'], rows, '没有符合条件的需求。')}${result ? pager(ctx, result.page, result.perPage, result.total) : ''}</section>`,
      '/ops/requirements',
    );
  });

  r.get('/requirements/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const t = id ? await requirementTimeline(app, id).catch(() => null) : null;
    if (!t) return notFound(ctx, '没有这个需求。', '/ops/requirements');
    const running = t.status === 'open' || t.status === 'full';
    const actions = running
      ? apiForm(
          'POST',
          `/api/ops/requirements/${t.id}/close`,
          `<div class="inline">${field('关闭原因（出行人和定制师不会看到）', 'reason', input('reason', '', 'maxlength="200" placeholder="如：客户电话确认不出行了"'))}<button class="danger">关闭需求</button></div>`,
          { confirm: '关闭后定制师不能再抢，进行中的工单也会结束。确定关闭？' },
        )
      : t.status === 'closed'
        ? `<p>已关闭：${esc(t.closedReason ?? '')}</p>${apiForm('POST', `/api/ops/requirements/${t.id}/reopen`, '<button>重新开放</button>', { confirm: '重新开放后，候选定制师可以再次抢单。确定？' })}`
        : '<p class="muted">这个需求已结束，不能再操作。</p>';
    const candidates = t.candidates.map((c) => [
      link(`/ops/planners/${c.plannerId}`, c.name),
      esc(c.supplier),
      esc(c.tier),
      `<span class="num">${c.score.toFixed(2)}</span>`,
      c.status === 'active' ? '' : tag(c.status),
      c.holds
        ? '<span class="muted">已接单</span>'
        : c.colleagueHolds
          ? '<span class="muted" title="同一供应商只能有一位定制师接这个需求">同供应商已有人接单</span>'
          : running
            ? apiForm(
                'POST',
                `/api/ops/requirements/${t.id}/dispatch`,
                `<input type="hidden" name="plannerId" value="${c.plannerId}" data-type="number"><button class="small">派单给 ${esc(c.name)}</button>`,
                { confirm: `把需求 ${t.code} 派给 ${c.name}？抢单规则照常适用（同供应商只能一人、名额上限等）。` },
              )
            : '',
    ]);
    const workOrders = t.workOrders.map((w) => [
      link(`/ops/planners/${w.plannerId}`, w.planner),
      esc(CHANNEL[w.channel] ?? w.channel),
      w.offerUntil ? tag('offered') : tag(w.status),
      esc(when(w.grabbedAt)),
      w.offerUntil ? `${esc(when(w.offerUntil))} 前答复派单` : esc(when(w.deadlineAt)),
      esc(when(w.proposedAt)),
      w.proposal ? yuan(w.proposal.priceFen) : '',
    ]);
    // The deposit's own word in the header once it is paid (part refunded, refunded…), as the traveler's pages say it.
    const deposit = await app.db.deposit.findFirst({
      where: { requirementId: t.id, status: { not: 'closed' } },
      orderBy: { createdAt: 'desc' },
    });
    const messages = t.messages.map((m) => [
      esc(m.title),
      esc(m.to),
      tag(m.state),
      esc(m.error ?? ''),
      esc(when(m.createdAt)),
      esc(when(m.deliveredAt)),
    ]);
    const attempts = t.attempts.map((a) => [
      withCode(attemptWords(a.code), a.code),
      `<span class="num">${a.count}</span>`,
      esc(when(a.first)),
    ]);
    await page(
      ctx,
      `需求 ${t.code}`,
      `<h1>需求 ${esc(t.code)} ${deposit && t.status === 'paid' ? `<span class="tag paid">${esc(depositState(deposit).word)}</span>` : tag(t.status)}${t.flaggedAt && t.status === 'open' ? ' <span class="tag flag">需人工</span>' : ''}</h1>
<div class="grid g2"><section class="box"><h2>需求</h2><table>
<tr><th>出行人</th><td>${esc(t.contact.name)} · ${esc(t.contact.phone)}${t.traveler.phoneVerifiedAt && t.traveler.phone === t.contact.phone ? ' <span class="tag">已验证</span>' : ''}${t.traveler.phone !== t.contact.phone ? ` <span class="muted">（账号现用 ${esc(t.traveler.phone)}）</span>` : ''}</td></tr>
<tr><th>行程</th><td>${esc(t.origin)} → ${list(t.destinations)}，${esc(t.departDate)} 至 ${esc(t.returnDate)}，${partyWords(t.adults, t.children)}</td></tr>
<tr><th>预算</th><td>${yuan(t.budgetFen)}${t.budgetType === 'per_person' ? ' / 人' : ''}</td></tr>
<tr><th>要几位定制师</th><td>${t.plannersWanted}（最低 ${esc(t.minTier)} 级）</td></tr>
<tr><th>已开放</th><td>${t.releases.map((x) => `${esc(x.tier)} 级 ${esc(when(x.releasedAt))}`).join('；') || '还没有'}</td></tr>
<tr><th>备注</th><td>${esc(t.notes ?? '')}</td></tr></table></section>
<section class="box"><h2>操作</h2>${actions}</section></div>
${await depositSection(t.id)}
<section class="box"><h2>候选定制师（${t.candidates.length}）</h2>${table(['定制师', '供应商', '等级', '匹配分', '状态', ''], candidates, '没有匹配到定制师。')}</section>
<section class="box"><h2>工单</h2>${table(['定制师', '渠道', '状态', '接单', '方案截止', '交方案', '报价'], workOrders, '还没有人接单。')}</section>
<div class="grid g2"><section class="box"><h2>抢单尝试（按结果）</h2>${table(['结果', '次数', '第一次'], attempts, '还没有人尝试抢单。')}</section>
<section class="box"><h2>发出的消息</h2>${table(['消息', '发给', '状态', '错误', '发出', '送达'], messages, '还没有发消息。')}</section></div>
<section class="box"><h2>时间线</h2><ol class="timeline">${t.timeline.map((e) => `<li><time>${esc(when(e.at))}</time><b>${esc(e.what)}</b> ${esc(e.detail)}</li>`).join('')}</ol></section>`,
      '/ops/requirements',
    );
  });

  // ── planners ──
  r.get('/planners', async (ctx) => {
    let result: Awaited<ReturnType<typeof listPlanners>> | null = null;
    let problem = '';
    try {
      result = await listPlanners(app, parse(plannerQuery, ctx.query));
    } catch (err) {
      problem = queryErrors(err);
    }
    const suppliers = await listSuppliers(app);
    const q = ctx.query as Record<string, string>;
    const supplierOptions: [string, string][] = suppliers.map((s) => [String(s.id), s.name]);
    const filters = `<form class="filters box" method="get">${field('搜索（姓名/手机/目的地/供应商）', 'q', input('q', q.q))}
${field('等级', 'tier', select('tier', [['', '全部'], ...TIER_OPTIONS], q.tier))}
${field(
  '状态',
  'status',
  select(
    'status',
    [
      ['', '全部'],
      ['active', '在岗'],
      ['suspended', '已停用'],
    ],
    q.status,
  ),
)}
${field('供应商', 'supplierId', select('supplierId', [['', '全部'], ...supplierOptions], q.supplierId))}<button type="submit">筛选</button> <a href="/ops/planners">清除</a></form>`;
    const rows = (result?.items ?? []).map((p) => [
      link(`/ops/planners/${p.id}`, p.name),
      esc(p.supplier),
      esc(p.tier),
      list(p.destinations),
      `<span class="num">${p.load} / ${p.maxActive}</span>`,
      p.status === 'active'
        ? tag('active').replace('进行中', '在岗')
        : `${tag('suspended')} <span class="muted">${esc(p.statusReason ?? '')}</span>`,
      p.bound ? (p.unreachable ? '<span class="tag flag">收不到消息</span>' : '已绑定') : '<span class="muted">未绑定</span>',
    ]);
    const create = apiForm(
      'POST',
      '/api/ops/planners',
      `<h2>新建定制师</h2><div class="inline">${field('供应商', 'supplierId', select('supplierId', supplierOptions, '', 'data-type="number"'))}${field('姓名', 'name', input('name'))}${field('手机', 'phone', input('phone', '', 'inputmode="numeric"'))}${field('等级', 'tier', select('tier', TIER_OPTIONS, 'C'))}</div>
<div class="inline">${field('服务目的地（逗号分隔）', 'destinations', input('destinations', '', 'data-type="list" placeholder="京都, 大阪"'))}${field('同时进行的工单上限', 'maxActive', input('maxActive', 5, 'data-type="number" inputmode="numeric"'))}${field('每日抢单上限（空=默认）', 'dailyQuota', input('dailyQuota', '', 'data-type="number" inputmode="numeric"'))}<button>创建</button></div>`,
      { next: 'go:/ops/planners/{id}', cls: 'box' },
    );
    await page(
      ctx,
      '定制师',
      `<h1>定制师</h1>${filters}${problem}<section class="box">${table(['姓名', '供应商', '等级', '目的地', '负载', '状态', '微信'], rows, '没有符合条件的定制师。')}${result ? pager(ctx, result.page, result.perPage, result.total) : ''}</section>${create}`,
      '/ops/planners',
    );
  });

  r.get('/planners/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const p = id ? await plannerRecord(app, id).catch(() => null) : null;
    if (!p) return notFound(ctx, '没有这位定制师。', '/ops/planners');
    const rec = p.record;
    const stat = (v: unknown, l: string) => `<div class="stat"><div class="v num">${esc(v ?? '—')}</div><div class="l">${l}</div></div>`;
    const edit = apiForm(
      'PATCH',
      `/api/ops/planners/${p.id}`,
      `<h2>资料</h2><div class="inline">${field('姓名', 'name', input('name', p.name))}${field('等级', 'tier', select('tier', TIER_OPTIONS, p.tier))}${field('同时进行上限', 'maxActive', input('maxActive', p.maxActive, 'data-type="number"'))}${field('每日抢单上限', 'dailyQuota', input('dailyQuota', p.dailyQuota ?? '', 'data-type="number"'))}</div>
${field('服务目的地（逗号分隔）', 'destinations', input('destinations', p.destinations.join(', '), 'data-type="list"'))}<button>保存</button>`,
      { cls: 'box' },
    );
    const status =
      p.status === 'active'
        ? apiForm(
            'PATCH',
            `/api/ops/planners/${p.id}`,
            `<input type="hidden" name="status" value="suspended"><div class="inline">${field('停用原因', 'reason', input('reason', '', 'maxlength="200"'))}<button class="danger">停用</button></div>`,
            { confirm: `停用 ${p.name}？停用后立即不能抢单，已打开的页面会退出。` },
          )
        : `<p>已停用：${esc(p.statusReason ?? '')}</p>${apiForm('PATCH', `/api/ops/planners/${p.id}`, '<input type="hidden" name="status" value="active"><button>恢复</button>')}`;
    const wechat = p.bound
      ? `<p>已绑定微信${p.unreachableAt ? '（已取消关注，收不到消息）' : ''}。</p>${apiForm('POST', `/api/ops/planners/${p.id}/unbind`, '<button class="quiet">解除绑定</button>', { confirm: '解除后这个微信不能再以该定制师身份抢单。确定？' })}`
      : `<p>还没绑定微信。让定制师用微信扫下面的二维码（${Math.round(app.config.BIND_QR_TTL / 60)} 分钟内有效，只能用一次），或在公众号回复「绑定 ${esc(p.bindCode ?? '')}」。</p>${apiForm('POST', `/api/ops/planners/${p.id}/bind-qr`, '<button>生成绑定二维码</button>', { next: 'qr' })}<div id="qr" hidden></div>`;
    await page(
      ctx,
      p.name,
      `<h1>${esc(p.name)} <span class="tag">${esc(p.tier)} 级</span> ${p.status === 'active' ? '' : tag('suspended')}</h1>
<p class="muted">${link(`/ops/planners?supplierId=${p.supplier.id}`, p.supplier.name)}${p.supplier.status === 'suspended' ? '（供应商已暂停）' : ''} · ${esc(p.phone)} · ${list(p.destinations)}</p>
<div class="grid g5" style="margin-bottom:16px">${stat(rec.won, `近 ${rec.days} 天抢到`)}${stat(rec.proposed, '交了方案')}${stat(rec.conversion === null ? null : `${Math.round(rec.conversion * 100)}%`, `被选中率（${rec.chosen} 单）`)}${stat(rec.expired, '超时/退回')}${stat(rec.medianHoursToProposal === null ? null : `${rec.medianHoursToProposal} 小时`, '交方案用时（中位）')}</div>
<div class="grid g2"><div>${edit}</div><div><section class="box"><h2>当前负载</h2><p class="num" style="font-size:22px">${rec.load} / ${rec.maxActive}</p></section>
<section class="box"><h2>状态</h2>${status}</section><section class="box"><h2>微信</h2>${wechat}</section></div></div>
<div class="grid g2"><section class="box"><h2>最近的工单</h2>${table(
        ['需求', '目的地', '渠道', '状态', '接单'],
        p.recent.map((w) => [
          link(`/ops/requirements/${w.requirementId}`, w.code),
          list(w.destinations),
          esc(CHANNEL[w.channel] ?? w.channel),
          tag(w.status),
          esc(when(w.grabbedAt)),
        ]),
        '还没有工单。',
      )}</section>
<section class="box"><h2>屏蔽了 TA 的需求</h2>${table(
        ['需求', '屏蔽的是'],
        p.blockedBy.map((b) => [link(`/ops/requirements/${b.id}`, b.code), b.who === 'planner' ? '本人' : '所在供应商']),
        '没有出行人屏蔽 TA。',
      )}<h2 style="margin-top:16px">等级变动</h2>${table(
        ['评估', '变动', '时间'],
        p.tierHistory.map((g) => [link(`/ops/grading/${g.runId}`, `#${g.runId}`), `${esc(g.from)} → ${esc(g.to)}`, esc(when(g.at))]),
        '没有变动过。',
      )}</section></div>`,
      '/ops/planners',
    );
  });

  // ── suppliers ──
  r.get('/suppliers', async (ctx) => {
    const rows = (await listSuppliers(app)).map((s) => [
      link(`/ops/planners?supplierId=${s.id}`, s.name),
      `<span class="num">${s.activePlanners} / ${s.planners}</span>`,
      s.status === 'active' ? '在营' : `${tag('suspended')} <span class="muted">${esc(s.statusReason ?? '')}</span>`,
      s.status === 'active'
        ? apiForm(
            'PATCH',
            `/api/ops/suppliers/${s.id}`,
            `<input type="hidden" name="status" value="suspended"><div class="inline">${input(`reason`, '', 'placeholder="暂停原因" aria-label="暂停原因"')}<button class="small danger">暂停</button></div>`,
            { confirm: `暂停 ${s.name}？它的定制师都将立即不能抢单。` },
          )
        : apiForm(
            'PATCH',
            `/api/ops/suppliers/${s.id}`,
            '<input type="hidden" name="status" value="active"><button class="small">恢复</button>',
          ),
    ]);
    const create = apiForm(
      'POST',
      '/api/ops/suppliers',
      `<h2>新建供应商</h2><div class="inline">${field('名称', 'name', input('name'))}<button>创建</button></div>`,
      { cls: 'box' },
    );
    await page(
      ctx,
      '供应商',
      `<h1>供应商</h1><section class="box">${table(['名称', '在岗/定制师', '状态', ''], rows, '还没有供应商。')}</section>${create}`,
      '/ops/suppliers',
    );
  });

  // ── grading ──
  r.get('/grading', async (ctx) => {
    const rows = (await gradingRuns(app)).map((g) => [
      link(`/ops/grading/${g.id}`, `#${g.id}`),
      g.trigger === 'schedule' ? '每周自动' : '手动',
      `近 ${g.windowDays} 天`,
      esc(when(g.createdAt)),
      `<span class="num">${g.moves}</span>`,
      g.applied ? `已应用 ${g.applied}（${esc(g.appliedBy ?? '')}）` : '<span class="muted">未应用</span>',
    ]);
    await page(
      ctx,
      '分级',
      `<h1>定制师分级</h1><section class="box"><p class="muted">按近 ${app.config.GRADING_WINDOW_DAYS} 天的表现（被选中率、交方案速度、超时、对开放的响应）给每位在岗定制师打分，建议升降一级；自动评估时间：${cronWords(app.config.GRADING_CRON)}（北京时间），运营确认后才生效。</p>${apiForm('POST', '/api/ops/grading', '<button>立即评估</button>', { next: 'go:/ops/grading/{id}' })}</section>
<section class="box"><h2>历史</h2>${table(['评估', '来源', '窗口', '时间', '建议变动', '应用'], rows, '还没有评估过。')}</section>`,
      '/ops/grading',
    );
  });

  r.get('/grading/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const run = id ? await gradingRun(app, id).catch(() => null) : null;
    if (!run) return notFound(ctx, '没有这次评估。', '/ops/grading');
    const pct = (x: unknown) => (typeof x === 'number' ? `${Math.round(x * 100)}%` : '—');
    const rows = run.moves.map((m) => {
      const x = m.metrics as Record<string, number | string | null>;
      return [
        m.appliedAt
          ? '<span class="ok">已应用</span>'
          : `<input type="checkbox" name="plannerIds" value="${m.plannerId}" data-type="ids" aria-label="选择 ${esc(m.name)}">`,
        link(`/ops/planners/${m.plannerId}`, m.name),
        esc(m.supplier),
        `<b>${esc(m.fromTier)} → ${esc(m.toTier)}</b>${m.currentTier !== m.fromTier && !m.appliedAt ? ` <span class="tag flag">现为 ${esc(m.currentTier)}</span>` : ''}`,
        `<span class="num">${m.score.toFixed(2)}</span>`,
        pct(x.conversion),
        pct(x.speed),
        pct(x.reliability),
        pct(x.response),
        `<span class="num">${esc(x.won)} / ${esc(x.expired)} / ${esc(x.chosen)}</span>`,
        esc(x.why ?? ''),
      ];
    });
    const pending = run.moves.filter((m) => !m.appliedAt).length;
    const form = apiForm(
      'POST',
      `/api/ops/grading/${run.id}/apply`,
      `${table(['', '定制师', '供应商', '建议', '得分', '被选中', '速度', '可靠', '响应', '抢到/超时/选中', '理由'], rows, '这次评估没有建议变动。')}${
        pending ? '<button type="submit">应用所选</button> <button type="submit" name="all" value="1" class="quiet">全部应用</button>' : ''
      }`,
      { confirm: '应用后定制师的等级立即变化，并收到通知。确定？' },
    );
    await page(
      ctx,
      `分级评估 #${run.id}`,
      `<h1>分级评估 #${run.id}</h1><p class="muted">${run.trigger === 'schedule' ? '每周自动' : '手动'}评估，近 ${run.windowDays} 天，${esc(when(run.createdAt))}。得分 ≥ 0.60 升一级，&lt; 0.30 降一级；抢到少于 3 单不评。</p><section class="box">${form}</section>${
        run.moves.length === 0 ? await scoresTable(run.windowDays) : ''
      }`,
      '/ops/grading',
    );
  });

  /** A run with nothing to move still shows why: every measured planner's score now, highest first. */
  async function scoresTable(days: number): Promise<string> {
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const scores = await scoresNow(app, days);
    return `<section class="box"><h2>各定制师当前得分（没有人达到升降线）</h2>${table(
      ['定制师', '等级', '得分', '被选中', '速度', '可靠', '响应', '抢到', '说明'],
      scores.map((s) => [
        link(`/ops/planners/${s.plannerId}`, s.name),
        esc(s.tier),
        `<span class="num">${s.score.toFixed(2)}</span>`,
        pct(s.parts.conversion),
        pct(s.parts.speed),
        pct(s.parts.reliability),
        pct(s.parts.response),
        `<span class="num">${s.won}</span>`,
        esc(s.why ?? ''),
      ]),
      '还没有在岗的定制师。',
    )}</section>`;
  }

  // ── broadcasts ──
  r.get('/broadcasts', async (ctx) => {
    const suppliers = await listSuppliers(app);
    const rows = (await listBroadcasts(app)).map((b) => [
      link(`/ops/broadcasts/${b.id}`, b.title),
      esc(b.channels.map((c) => CHANNEL_WORDS[c] ?? c).join('、')),
      `<span class="tag ${esc(b.status)}">${esc(BROADCAST_STATUS[b.status] ?? b.status)}</span>`,
      esc(b.createdBy),
      esc(when(b.createdAt)),
      esc(when(b.sentAt)),
    ]);
    const check = (name: string, value: string, label: string, attrs = '') =>
      `<label style="display:inline-flex;gap:4px;margin-right:14px"><input type="checkbox" name="${name}" value="${esc(value)}" data-type="multi" ${attrs} style="width:auto">${esc(label)}</label>`;
    const compose = `<form id="compose" class="box" data-api="/api/ops/broadcasts" data-method="POST" data-then="go:/ops/broadcasts/{id}" novalidate>
<h2>新建群发</h2>
<div><label>受众：等级（不选 = 全部等级）</label>${TIERS.map((t) => check('audience.tiers', t, `${t} 级`, 'data-empty="omit"')).join('')}<div class="field-error" data-for="audience.tiers"></div></div>
<div class="inline">${field('目的地（逗号分隔，可空）', 'audience.destinations', input('audience.destinations', '', 'data-type="list"'))}${field('供应商', 'audience.supplierIds', `<select id="f-audience.supplierIds" name="audience.supplierIds" data-type="numlist"><option value="">全部供应商</option>${suppliers.map((x) => `<option value="${x.id}">${esc(x.name)}</option>`).join('')}</select>`)}${field('定制师编号（逗号分隔，可空）', 'audience.plannerIds', input('audience.plannerIds', '', 'data-type="numlist"'))}</div>
<div class="field-error" data-for="audience"></div>
<p class="muted" id="reach" aria-live="polite">正在计算受众…</p>
<div><label>渠道</label>${check('channels', 'live', '实时通知（页面横幅）', 'checked')}${check('channels', 'template', '模板消息')}${check('channels', 'mass', '微信群发（按等级；每人每月 4 条）')}<div class="field-error" data-for="channels"></div></div>
<div class="inline">${field('标题（20 字内）', 'title', input('title', '', 'maxlength="20"'))}${field('点开去哪（本站页面）', 'url', input('url', '/h5/pool'))}</div>
${field('内容', 'body', '<textarea id="f-body" name="body" maxlength="600"></textarea>')}
<button>存为草稿</button><p class="form-error err" role="alert" hidden></p></form>`;
    await page(
      ctx,
      '群发',
      `<h1>群发</h1>${compose}<section class="box"><h2>公众号菜单</h2><p class="muted">抢单池 → /h5/pool · 我的工单 → /h5/work-orders · 帮助（回复指令说明）。菜单由这里发布（开启服务器配置后，公众平台里编辑的菜单不再生效）。</p>${apiForm('POST', '/api/ops/wechat/menu', '<button class="quiet">发布菜单</button><p class="form-ok ok" hidden></p>', { next: 'notice:菜单已发布，关注者重新进入公众号后可见。' })}</section><section class="box"><h2>历史</h2>${table(['标题', '渠道', '状态', '谁建的', '创建', '发送'], rows, '还没有群发过。')}</section>`,
      '/ops/broadcasts',
    );
  });

  r.get('/broadcasts/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const b = id ? await broadcastView(app, id).catch(() => null) : null;
    if (!b) return notFound(ctx, '没有这条群发。', '/ops/broadcasts');
    const a = b.audience;
    const who =
      [
        a.tiers?.length ? `${a.tiers.join('、')} 级` : '',
        a.destinations?.length ? `服务 ${a.destinations.join('、')}` : '',
        a.supplierIds?.length ? `供应商 #${a.supplierIds.join('、#')}` : '',
        a.plannerIds?.length ? `定制师 #${a.plannerIds.join('、#')}` : '',
      ]
        .filter(Boolean)
        .join('，') || '全部在岗定制师';
    const stat = (k: string, label: string, v: number) =>
      `<div class="stat"><div class="v num" data-k="${k}">${v}</div><div class="l">${label}</div></div>`;
    const reach = b.reach
      ? `<p>受众 ${b.reach.audience} 人：可触达 ${b.reach.reachable}，未绑定微信 ${b.reach.unbound}，已取消关注 ${b.reach.unsubscribed}，拒收消息 ${b.reach.refuses}，微信号无效 ${b.reach.invalid}；本月群发已用（受众中最多）${b.reach.massUsedThisMonth} / 4。</p>`
      : '';
    const actions =
      b.status === 'draft'
        ? `${
            b.reach?.previewTo.length
              ? apiForm(
                  'POST',
                  `/api/ops/broadcasts/${b.id}/preview`,
                  `<div class="inline">${field(
                    '先发给一位定制师看看',
                    'plannerId',
                    select(
                      'plannerId',
                      b.reach.previewTo.map((p) => [String(p.id), `${p.name}（${p.tier} 级）`]),
                      '',
                      'data-type="number"',
                    ),
                  )}<button class="quiet">发送预览</button></div><p class="form-ok ok" hidden></p>`,
                  { next: 'notice:预览已发出，请让 TA 在微信里查看。' },
                )
              : '<p class="muted">受众里没有已绑定微信的定制师，无法预览。</p>'
          }
${apiForm('POST', `/api/ops/broadcasts/${b.id}/send`, '<button>发送</button>', { confirm: `发送给 ${b.audienceCount} 位定制师？每条群发只能发送一次。` })}`
        : '';
    const cancel =
      b.status === 'draft' || b.status === 'sending'
        ? apiForm('POST', `/api/ops/broadcasts/${b.id}/cancel`, '<button class="danger">取消</button>', {
            confirm: '取消后还没发出的消息都不再发送。确定？',
          })
        : '';
    const channelRows = (b.channels as string[]).map((c) => {
      const x = b.byChannel[c as keyof typeof b.byChannel];
      const cell = (k: string, v: number) => `<span class="num" data-k="${c}.${k}">${v}</span>`;
      return [
        esc(CHANNEL_WORDS[c] ?? c),
        cell('sent', x.sent),
        cell('delivered', x.delivered),
        cell('failed', x.failed),
        cell('skipped', x.skipped),
        cell('queued', x.queued),
      ];
    });
    await page(
      ctx,
      `群发：${b.title}`,
      `<div id="broadcast" data-id="${b.id}" data-status="${esc(b.status)}"><h1>${esc(b.title)} <span class="tag ${esc(b.status)}">${esc(BROADCAST_STATUS[b.status])}</span></h1>
<section class="box"><p>${esc(b.body)}</p><p class="muted">发给：${esc(who)} · 渠道：${esc((b.channels as string[]).map((c) => CHANNEL_WORDS[c] ?? c).join('、'))} · 点开去 ${esc(b.url ?? '/h5/pool')} · ${esc(b.createdBy)} 创建于 ${esc(when(b.createdAt))}${b.sentAt ? ` · 发送于 ${esc(when(b.sentAt))}` : ''}</p>${reach}${actions}${cancel}</section>
<div class="grid g5" style="margin-bottom:16px">${stat('audience', '受众', b.counts.audience)}${stat('sent', '已发出', b.counts.sent)}${stat('delivered', '已送达', b.counts.delivered)}${stat('failed', '失败', b.counts.failed)}${stat('skipped', '跳过', b.counts.skipped)}</div>
<section class="box"><h2>按渠道</h2>${table(['渠道', '已发出', '已送达', '失败', '跳过', '排队中'], channelRows)}${
        b.mass.length
          ? `<h3>微信群发任务</h3>${table(
              ['对象', '任务', '结果', '总数', '被过滤（月度上限）', '发出', '错误'],
              b.mass.map((m) => [
                withCode(m.target.startsWith('tier:') ? `${m.target.slice(5)} 级定制师（按标签）` : m.target, m.target),
                `<code>${esc(m.msgId)}</code>`,
                m.status ? withCode(massStatusWords(m.status), m.status) : '等待微信回报',
                esc(m.total ?? ''),
                esc(m.filtered ?? ''),
                esc(m.sent ?? ''),
                esc(m.errors ?? ''),
              ]),
            )}`
          : ''
      }</section>
<section class="box"><h2>没送到的</h2>${table(
        ['定制师', '渠道', '原因'],
        b.failures.map((f) => [link(`/ops/planners/${f.plannerId}`, f.name), esc(CHANNEL_WORDS[f.channel] ?? f.channel), esc(f.reason)]),
        '没有。',
      )}</section></div>`,
      '/ops/broadcasts',
    );
  });

  // ── admins: accounts and the audit log ──
  r.get('/accounts', async (ctx) => {
    if (me(ctx).role !== 'admin') return forbidden(ctx, me(ctx));
    const rows = (await listAccounts(app)).map((a) => [
      esc(a.name),
      esc(a.email),
      a.role === 'admin' ? '管理员' : '运营',
      a.status === 'active' ? '正常' : tag('suspended'),
      esc(when(a.passwordSetAt)),
      a.id === me(ctx).id
        ? '<span class="muted">（你自己）</span>'
        : `<div class="inline">${apiForm('PATCH', `/api/ops/accounts/${a.id}`, `<input type="hidden" name="status" value="${a.status === 'active' ? 'suspended' : 'active'}"><button class="small ${a.status === 'active' ? 'danger' : ''}">${a.status === 'active' ? '停用' : '恢复'}</button>`)}${apiForm('POST', '/api/ops/accounts', `<input type="hidden" name="email" value="${esc(a.email)}"><button class="small quiet">重置密码</button>`, { next: 'secret', confirm: `重置 ${a.email} 的密码？TA 当前的登录会失效。` })}</div>`,
    ]);
    const create = apiForm(
      'POST',
      '/api/ops/accounts',
      `<h2>新建账号</h2><div class="inline">${field('邮箱', 'email', input('email', '', 'type="email"'))}${field('姓名', 'name', input('name'))}${field(
        '角色',
        'role',
        select(
          'role',
          [
            ['ops', '运营'],
            ['admin', '管理员'],
          ],
          'ops',
        ),
      )}<button>创建</button></div>`,
      { next: 'secret', cls: 'box' },
    );
    await page(
      ctx,
      '账号',
      `<h1>运营账号</h1><section class="box">${table(['姓名', '邮箱', '角色', '状态', '密码设置于', ''], rows)}</section>${create}<div id="secret" class="box" hidden></div>`,
      '/ops/accounts',
    );
  });

  r.get('/audit', async (ctx) => {
    if (me(ctx).role !== 'admin') return forbidden(ctx, me(ctx));
    const before = typeof ctx.query.before === 'string' && /^\d{1,18}$/.test(ctx.query.before) ? BigInt(ctx.query.before) : undefined;
    const rows = await auditLog(app, { limit: 50, beforeId: before });
    await page(
      ctx,
      '操作记录',
      `<h1>操作记录</h1><section class="box">${table(
        ['时间', '谁', '做了什么', '对象', '之前 → 之后'],
        rows.map((a) => [
          esc(when(a.at)),
          esc(a.who),
          withCode(actionWords(a.action), a.action),
          esc(a.target ?? ''),
          changeWords(a.before, a.after),
        ]),
        '还没有操作记录。',
      )}${rows.length === 50 ? `<div class="pager"><a href="${esc(withQuery(ctx, { before: rows.at(-1)!.id }))}">更早的</a></div>` : ''}</section>`,
      '/ops/audit',
    );
  });

  /** The deposit of a requirement: its orders, what happened to them, and the refund form while money is held. */
  async function depositSection(requirementId: number): Promise<string> {
    const orders = await app.db.deposit.findMany({
      where: { requirementId },
      orderBy: { createdAt: 'asc' },
      include: { events: { orderBy: { id: 'asc' } }, refunds: true },
    });
    if (!orders.length) return '';
    const refunds = orders.flatMap((o) => o.refunds).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const live = orders.find((o) => o.status === 'paid' || o.status === 'refunding');
    const left = live
      ? live.amountFen - live.refundedFen - live.refunds.filter((r) => r.status === 'processing').reduce((n, r) => n + r.amountFen, 0)
      : 0;
    const refundForm = live
      ? apiForm(
          'POST',
          `/api/ops/requirements/${requirementId}/refund`,
          `<div class="inline">${field('退款原因', 'reason', input('reason', '', 'maxlength="200"'))}${field(`金额（元；留空 = 全部可退的 ${yuanText(left)}）`, 'amountYuan', input('amountYuan', '', `inputmode="decimal" placeholder="最多 ${yuanText(left)}"`))}<button class="danger">退款</button></div>`,
          {
            confirm: '向出行人退款 {amount}？\n退款原路退回微信支付，不能撤回。',
            confirmYuan: { field: 'amountYuan', allFen: left },
          },
        )
      : '';
    return `<section class="box"><h2>定金</h2>${table(
      ['订单号', '状态', '金额', '已退', '支付时间', '记录'],
      orders.map((o) => [
        `<code>${esc(o.outTradeNo)}</code>`,
        `<span class="tag ${o.status === 'paid' ? 'done' : o.status === 'pending' ? 'sending' : 'closed'}">${esc(depositState(o).word || (DEPOSIT_STATUS[o.status] ?? o.status))}</span>`,
        yuan(o.amountFen),
        o.refundedFen ? yuan(o.refundedFen) : '',
        esc(when(o.paidAt)),
        o.events
          .map((e) => `${esc(when(e.at))} ${esc(PAYMENT_EVENTS[e.what] ?? e.what)}（${esc(PAYMENT_WHO[e.who] ?? e.who)}）`)
          .join('<br>'),
      ]),
    )}${
      refunds.length
        ? `<h3>退款</h3>${table(
            ['申请时间', '金额', '原因', '申请人', '结果'],
            refunds.map((r) => [
              esc(when(r.createdAt)),
              yuanText(r.amountFen),
              esc(r.reason),
              esc(r.requestedBy),
              `<span class="tag ${r.status === 'success' ? 'done' : r.status === 'processing' ? 'sending' : 'flag'}">${esc(REFUND_STATUS[r.status] ?? r.status)}</span>`,
            ]),
          )}`
        : ''
    }${refundForm}</section>`;
  }

  // ── payments: reconciliation ──
  r.get('/payments', async (ctx) => {
    const today = chinaDate(app.now());
    const q = ctx.query as Record<string, string>;
    const from = /^\d{4}-\d{2}-\d{2}$/.test(q.from ?? '') ? q.from : chinaDate(app.now() - 29 * 86_400_000);
    const to = /^\d{4}-\d{2}-\d{2}$/.test(q.to ?? '') ? q.to : today;
    const rep = await paymentsReport(app, from, to, q.check === '1');
    await page(
      ctx,
      '收款',
      `<h1>收款与对账</h1><form class="filters box" method="get">${field('从', 'from', input('from', from, 'type="date"'))}${field('到', 'to', input('to', to, 'type="date"'))}<input type="hidden" name="check" value="1"><button>查询并与微信支付对账</button></form>
<div class="grid g2"><section class="box"><h2>订单（${rep.orders}）</h2>${table(
        ['状态', '笔数', '金额'],
        Object.entries(rep.byState).map(([k, v]) => [esc(DEPOSIT_STATUS[k] ?? k), String(v.count), yuan(v.amountFen)]),
        '这段时间没有订单。',
      )}</section>
<section class="box"><h2>每日收款</h2>${table(
        ['日期', '笔数', '收款', '已退'],
        rep.paidByDay.map((d) => [esc(d.day), String(d.paid), yuan(d.paidFen), d.refundedFen ? yuan(d.refundedFen) : '']),
        '没有收款。',
      )}</section></div>
<section class="box"><h2>与微信支付不一致的${q.check === '1' ? `（已核对 ${rep.checked} 笔）` : '（点上面的按钮核对）'}</h2>${table(
        ['订单号', '需求', '我们', '微信支付', '问题'],
        rep.disagreements.map((d) => [
          `<code>${esc(d.outTradeNo)}</code>`,
          link(`/ops/requirements/${d.requirementId}`, `#${d.requirementId}`),
          esc(d.ours),
          esc(d.theirs),
          esc(d.what),
        ]),
        q.check === '1' ? '全部一致。' : '尚未核对。',
      )}${
        rep.stuckRefunds.length
          ? `<h3>未完成的退款</h3>${table(
              ['退款单号', '订单号', '金额', '状态'],
              rep.stuckRefunds.map((r) => [
                `<code>${esc(r.outRefundNo)}</code>`,
                `<code>${esc(r.outTradeNo)}</code>`,
                yuan(r.amountFen),
                esc(r.status),
              ]),
            )}`
          : ''
      }</section>`,
      '/ops/payments',
    );
  });

  async function notFound(ctx: Context, words: string, back: string) {
    ctx.status = 404;
    await page(ctx, '找不到', `<section class="box"><h1>${esc(words)}</h1><p>${link(back, '返回列表')}</p></section>`, back);
  }

  async function forbidden(ctx: Context, who: Me) {
    ctx.status = 403;
    await render(ctx, '无权访问', '<section class="box"><h1>只有管理员可以看这一页。</h1></section>', who);
  }
}
