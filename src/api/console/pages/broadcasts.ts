/** 群发: compose a broadcast (audience, channels, words), the menu, the history; one broadcast's reach, preview, send, cancel and results. */
import type Router from '@koa/router';
import { TIERS } from '../../../config.js';
import { idParam } from '../../../http/body.js';
import { broadcastView, listBroadcasts, listSuppliers } from '../../../ops/index.js';
import { BROADCAST_CHANNEL, BROADCAST_STATUS, wordFor } from '../../../shared/words.js';
import { html, raw } from '../html.js';
import { apiForm, type Console, field, input, link, select, stat, table, tag, when } from '../layout.js';
import { massStatusWords, withCode } from '../words.js';

const channelWords = (cs: string[]) => cs.map((x) => wordFor(BROADCAST_CHANNEL, x)).join('、');
const statusTag = (status: string) => tag(status, wordFor(BROADCAST_STATUS, status));

export function broadcasts(r: Router, c: Console) {
  r.get('/broadcasts', async (ctx) => {
    const suppliers = await listSuppliers(c.app);
    const rows = (await listBroadcasts(c.app)).map((b) => [
      link(`/ops/broadcasts/${b.id}`, b.title),
      channelWords(b.channels),
      statusTag(b.status),
      b.createdBy,
      when(b.createdAt),
      when(b.sentAt),
    ]);
    const check = (name: string, value: string, label: string, attrs = '') =>
      html`<label class="check"><input type="checkbox" name="${name}" value="${value}" data-type="multi" ${raw(attrs)}>${label}</label>`;
    const compose = html`<form id="compose" class="box" data-api="/api/ops/broadcasts" data-method="POST" data-then="go:/ops/broadcasts/{id}" novalidate>
<h2>新建群发</h2>
<div><label>受众：等级（不选 = 全部等级）</label>${TIERS.map((t) => check('audience.tiers', t, `${t} 级`, 'data-empty="omit"'))}<div class="field-error" data-for="audience.tiers"></div></div>
<div class="inline">${field('目的地（逗号分隔，可空）', 'audience.destinations', input('audience.destinations', '', 'data-type="list"'))}${field('供应商', 'audience.supplierIds', html`<select id="f-audience.supplierIds" name="audience.supplierIds" data-type="numlist"><option value="">全部供应商</option>${suppliers.map((x) => html`<option value="${x.id}">${x.name}</option>`)}</select>`)}${field('定制师编号（逗号分隔，可空）', 'audience.plannerIds', input('audience.plannerIds', '', 'data-type="numlist"'))}</div>
<div class="field-error" data-for="audience"></div>
<p class="muted" id="reach" aria-live="polite">正在计算受众…</p>
<div><label>渠道</label>${check('channels', 'live', '实时通知（页面横幅）', 'checked')}${check('channels', 'template', '模板消息')}${check('channels', 'mass', '微信群发（按等级；每人每月 4 条）')}<div class="field-error" data-for="channels"></div></div>
<div class="inline">${field('标题（20 字内）', 'title', input('title', '', 'maxlength="20"'))}${field('点开去哪（本站页面）', 'url', input('url', '/h5/pool'))}</div>
${field('内容', 'body', html`<textarea id="f-body" name="body" maxlength="600"></textarea>`)}
<button>存为草稿</button><p class="form-error err" role="alert" hidden></p></form>`;
    const menu = apiForm('POST', '/api/ops/wechat/menu', html`<button class="quiet">发布菜单</button><p class="form-ok ok" hidden></p>`, {
      next: 'notice:菜单已发布，关注者重新进入公众号后可见。',
    });
    await c.page(
      ctx,
      '群发',
      html`<h1>群发</h1>${compose}<section class="box"><h2>公众号菜单</h2><p class="muted">抢单池 → /h5/pool · 我的工单 → /h5/work-orders · 帮助（回复指令说明）。菜单由这里发布（开启服务器配置后，公众平台里编辑的菜单不再生效）。</p>${menu}</section><section class="box"><h2>历史</h2>${table(['标题', '渠道', '状态', '谁建的', '创建', '发送'], rows, '还没有群发过。')}</section>`,
      '/ops/broadcasts',
    );
  });

  r.get('/broadcasts/:id', async (ctx) => {
    const id = idParam(ctx.params.id);
    const b = id ? await broadcastView(c.app, id).catch(() => null) : null;
    if (!b) return c.notFound(ctx, '没有这条群发。', '/ops/broadcasts');
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
    const reach = b.reach
      ? html`<p>受众 ${b.reach.audience} 人：可触达 ${b.reach.reachable}，未绑定微信 ${b.reach.unbound}，已取消关注 ${b.reach.unsubscribed}，拒收消息 ${b.reach.refuses}，微信号无效 ${b.reach.invalid}；本月群发已用（受众中最多）${b.reach.massUsedThisMonth} / 4。</p>`
      : '';
    const preview = b.reach?.previewTo.length
      ? apiForm(
          'POST',
          `/api/ops/broadcasts/${b.id}/preview`,
          html`<div class="inline">${field(
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
      : html`<p class="muted">受众里没有已绑定微信的定制师，无法预览。</p>`;
    const actions =
      b.status === 'draft'
        ? html`${preview}
${apiForm('POST', `/api/ops/broadcasts/${b.id}/send`, html`<button>发送</button>`, { confirm: `发送给 ${b.audienceCount} 位定制师？每条群发只能发送一次。` })}`
        : '';
    const cancel =
      b.status === 'draft' || b.status === 'sending'
        ? apiForm('POST', `/api/ops/broadcasts/${b.id}/cancel`, html`<button class="danger">取消</button>`, {
            confirm: '取消后还没发出的消息都不再发送。确定？',
          })
        : '';
    const channelRows = (b.channels as string[]).map((ch) => {
      const x = b.byChannel[ch as keyof typeof b.byChannel];
      const cell = (k: string, v: number) => html`<span class="num" data-k="${ch}.${k}">${v}</span>`;
      return [
        wordFor(BROADCAST_CHANNEL, ch),
        cell('sent', x.sent),
        cell('delivered', x.delivered),
        cell('failed', x.failed),
        cell('skipped', x.skipped),
        cell('queued', x.queued),
      ];
    });
    const mass = b.mass.map((m) => [
      withCode(m.target.startsWith('tier:') ? `${m.target.slice(5)} 级定制师（按标签）` : m.target, m.target),
      html`<code>${m.msgId}</code>`,
      m.status ? withCode(massStatusWords(m.status), m.status) : '等待微信回报',
      m.total ?? '',
      m.filtered ?? '',
      m.sent ?? '',
      m.errors ?? '',
    ]);
    const failures = b.failures.map((f) => [link(`/ops/planners/${f.plannerId}`, f.name), wordFor(BROADCAST_CHANNEL, f.channel), f.reason]);
    const count = (k: string, label: string, v: number) => stat(label, v, k);
    await c.page(
      ctx,
      `群发：${b.title}`,
      html`<div id="broadcast" data-id="${b.id}" data-status="${b.status}"><h1>${b.title} ${statusTag(b.status)}</h1>
<section class="box"><p>${b.body}</p><p class="muted">发给：${who} · 渠道：${channelWords(b.channels as string[])} · 点开去 ${b.url ?? '/h5/pool'} · ${b.createdBy} 创建于 ${when(b.createdAt)}${b.sentAt ? ` · 发送于 ${when(b.sentAt)}` : ''}</p>${reach}${actions}${cancel}</section>
<div class="grid g5 mb">${count('audience', '受众', b.counts.audience)}${count('sent', '已发出', b.counts.sent)}${count('delivered', '已送达', b.counts.delivered)}${count('failed', '失败', b.counts.failed)}${count('skipped', '跳过', b.counts.skipped)}</div>
<section class="box"><h2>按渠道</h2>${table(['渠道', '已发出', '已送达', '失败', '跳过', '排队中'], channelRows)}${
        b.mass.length
          ? html`<h3>微信群发任务</h3>${table(['对象', '任务', '结果', '总数', '被过滤（月度上限）', '发出', '错误'], mass)}`
          : ''
      }</section>
<section class="box"><h2>没送到的</h2>${table(['定制师', '渠道', '原因'], failures, '没有。')}</section></div>`,
      '/ops/broadcasts',
    );
  });
}
