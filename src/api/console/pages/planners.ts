/** 定制师: the list with its filters and the form for a new planner, and one planner's record, profile, status and WeChat binding. */
import type Router from '@koa/router';
import { idParam, parse } from '../../../http/body.js';
import { listPlanners, listSuppliers, plannerRecord } from '../../../ops/index.js';
import { CHANNEL } from '../../../shared/words.js';
import { plannerQuery } from '../../ops-inputs.js';
import { html } from '../html.js';
import { apiForm, type Console, field, input, link, list, num, pager, select, stat, table, tag, when } from '../layout.js';
import { queryProblem } from './query.js';
import { TIER_OPTIONS } from './requirements.js';

export function planners(r: Router, c: Console) {
  r.get('/planners', async (ctx) => {
    const { result, problem } = await queryProblem(() => listPlanners(c.app, parse(plannerQuery, ctx.query)));
    const suppliers = await listSuppliers(c.app);
    const q = ctx.query as Record<string, string>;
    const supplierOptions: [string, string][] = suppliers.map((s) => [String(s.id), s.name]);
    const filters = html`<form class="filters box" method="get">${field('搜索（姓名/手机/目的地/供应商）', 'q', input('q', q.q))}
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
      p.supplier,
      p.tier,
      list(p.destinations),
      num(`${p.load} / ${p.maxActive}`),
      p.status === 'active' ? tag('active', '在岗') : html`${tag('suspended')} <span class="muted">${p.statusReason ?? ''}</span>`,
      p.bound ? (p.unreachable ? html`<span class="tag flag">收不到消息</span>` : '已绑定') : html`<span class="muted">未绑定</span>`,
    ]);
    const create = apiForm(
      'POST',
      '/api/ops/planners',
      html`<h2>新建定制师</h2><div class="inline">${field('供应商', 'supplierId', select('supplierId', supplierOptions, '', 'data-type="number"'))}${field('姓名', 'name', input('name'))}${field('手机', 'phone', input('phone', '', 'inputmode="numeric"'))}${field('等级', 'tier', select('tier', TIER_OPTIONS, 'C'))}</div>
<div class="inline">${field('服务目的地（逗号分隔）', 'destinations', input('destinations', '', 'data-type="list" placeholder="京都, 大阪"'))}${field('同时进行的工单上限', 'maxActive', input('maxActive', 5, 'data-type="number" inputmode="numeric"'))}${field('每日抢单上限（空=默认）', 'dailyQuota', input('dailyQuota', '', 'data-type="number" inputmode="numeric"'))}<button>创建</button></div>`,
      { next: 'go:/ops/planners/{id}', cls: 'box' },
    );
    await c.page(
      ctx,
      '定制师',
      html`<h1>定制师</h1>${filters}${problem}<section class="box">${table(['姓名', '供应商', '等级', '目的地', '负载', '状态', '微信'], rows, '没有符合条件的定制师。')}${result ? pager(ctx, result.page, result.perPage, result.total) : ''}</section>${create}`,
      '/ops/planners',
    );
  });

  r.get('/planners/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const p = id ? await plannerRecord(c.app, id).catch(() => null) : null;
    if (!p) return c.notFound(ctx, '没有这位定制师。', '/ops/planners');
    const rec = p.record;
    const edit = apiForm(
      'PATCH',
      `/api/ops/planners/${p.id}`,
      html`<h2>资料</h2><div class="inline">${field('姓名', 'name', input('name', p.name))}${field('等级', 'tier', select('tier', TIER_OPTIONS, p.tier))}${field('同时进行上限', 'maxActive', input('maxActive', p.maxActive, 'data-type="number"'))}${field('每日抢单上限', 'dailyQuota', input('dailyQuota', p.dailyQuota ?? '', 'data-type="number"'))}</div>
${field('服务目的地（逗号分隔）', 'destinations', input('destinations', p.destinations.join(', '), 'data-type="list"'))}<button>保存</button>`,
      { cls: 'box' },
    );
    const status =
      p.status === 'active'
        ? apiForm(
            'PATCH',
            `/api/ops/planners/${p.id}`,
            html`<input type="hidden" name="status" value="suspended"><div class="inline">${field('停用原因', 'reason', input('reason', '', 'maxlength="200"'))}<button class="danger">停用</button></div>`,
            { confirm: `停用 ${p.name}？停用后立即不能抢单，已打开的页面会退出。` },
          )
        : html`<p>已停用：${p.statusReason ?? ''}</p>${apiForm('PATCH', `/api/ops/planners/${p.id}`, html`<input type="hidden" name="status" value="active"><button>恢复</button>`)}`;
    const wechat = p.bound
      ? html`<p>已绑定微信${p.unreachableAt ? '（已取消关注，收不到消息）' : ''}。</p>${apiForm('POST', `/api/ops/planners/${p.id}/unbind`, html`<button class="quiet">解除绑定</button>`, { confirm: '解除后这个微信不能再以该定制师身份抢单。确定？' })}`
      : html`<p>还没绑定微信。让定制师用微信扫下面的二维码（${Math.round(c.app.config.BIND_QR_TTL / 60)} 分钟内有效，只能用一次），或在公众号回复「绑定 ${p.bindCode ?? ''}」。</p>${apiForm('POST', `/api/ops/planners/${p.id}/bind-qr`, html`<button>生成绑定二维码</button>`, { next: 'qr' })}<div id="qr" hidden></div>`;
    const recent = p.recent.map((w) => [
      link(`/ops/requirements/${w.requirementId}`, w.code),
      list(w.destinations),
      CHANNEL[w.channel] ?? w.channel,
      tag(w.status),
      when(w.grabbedAt),
    ]);
    const blockedBy = p.blockedBy.map((b) => [link(`/ops/requirements/${b.id}`, b.code), b.who === 'planner' ? '本人' : '所在供应商']);
    const tiers = p.tierHistory.map((g) => [link(`/ops/grading/${g.runId}`, `#${g.runId}`), `${g.from} → ${g.to}`, when(g.at)]);
    await c.page(
      ctx,
      p.name,
      html`<h1>${p.name} <span class="tag">${p.tier} 级</span> ${p.status === 'active' ? '' : tag('suspended')}</h1>
<p class="muted">${link(`/ops/planners?supplierId=${p.supplier.id}`, p.supplier.name)}${p.supplier.status === 'suspended' ? '（供应商已暂停）' : ''} · ${p.phone} ${apiForm('POST', `/api/ops/planners/${p.id}/phone`, html`<button class="small quiet">显示完整号码</button><span class="form-ok ok" hidden></span>`, { next: 'reveal', cls: 'inline' })} · ${list(p.destinations)}</p>
<div class="grid g5 mb">${stat(`近 ${rec.days} 天抢到`, rec.won)}${stat('交了方案', rec.proposed)}${stat(`被选中率（${rec.chosen} 单）`, rec.conversion === null ? null : `${Math.round(rec.conversion * 100)}%`)}${stat('超时/退回', rec.expired)}${stat('交方案用时（中位）', rec.medianHoursToProposal === null ? null : `${rec.medianHoursToProposal} 小时`)}</div>
<div class="grid g2"><div>${edit}</div><div><section class="box"><h2>当前负载</h2><p class="num big-num">${rec.load} / ${rec.maxActive}</p></section>
<section class="box"><h2>状态</h2>${status}</section><section class="box"><h2>微信</h2>${wechat}</section></div></div>
<div class="grid g2"><section class="box"><h2>最近的工单</h2>${table(['需求', '目的地', '渠道', '状态', '接单'], recent, '还没有工单。')}</section>
<section class="box"><h2>屏蔽了 TA 的需求</h2>${table(['需求', '屏蔽的是'], blockedBy, '没有出行人屏蔽 TA。')}<h2 class="mt">等级变动</h2>${table(['评估', '变动', '时间'], tiers, '没有变动过。')}</section></div>`,
      '/ops/planners',
    );
  });
}
