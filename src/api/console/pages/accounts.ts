/** 账号 and 操作记录 (admins only): ops accounts with suspend, resume and password reset; the audit log, newest first. */
import type Router from '@koa/router';
import { auditLog, listAccounts } from '../../../ops/index.js';
import { html } from '../html.js';
import { apiForm, type Console, field, input, select, table, tag, when, withQuery } from '../layout.js';
import { actionWords, changeWords, withCode } from '../words.js';

const PAGE = 50;

export function accounts(r: Router, c: Console) {
  r.get('/accounts', async (ctx) => {
    if (!(await c.adminOnly(ctx))) return;
    const me = c.me(ctx);
    const rows = (await listAccounts(c.app)).map((a) => {
      const active = a.status === 'active';
      return [
        a.name,
        a.email,
        a.role === 'admin' ? '管理员' : '运营',
        active ? '正常' : tag('suspended'),
        when(a.passwordSetAt),
        a.id === me.id
          ? html`<span class="muted">（你自己）</span>`
          : html`<div class="inline">${apiForm('PATCH', `/api/ops/accounts/${a.id}`, html`<input type="hidden" name="status" value="${active ? 'suspended' : 'active'}"><button class="small ${active ? 'danger' : ''}">${active ? '停用' : '恢复'}</button>`)}${apiForm('POST', '/api/ops/accounts', html`<input type="hidden" name="email" value="${a.email}"><button class="small quiet">重置密码</button>`, { next: 'secret', confirm: `重置 ${a.email} 的密码？TA 当前的登录会失效。` })}</div>`,
      ];
    });
    const roles: [string, string][] = [
      ['ops', '运营'],
      ['admin', '管理员'],
    ];
    const create = apiForm(
      'POST',
      '/api/ops/accounts',
      html`<h2>新建账号</h2><div class="inline">${field('邮箱', 'email', input('email', '', 'type="email"'))}${field('姓名', 'name', input('name'))}${field('角色', 'role', select('role', roles, 'ops'))}<button>创建</button></div>`,
      { next: 'secret', cls: 'box' },
    );
    await c.page(
      ctx,
      '账号',
      html`<h1>运营账号</h1><section class="box">${table(['姓名', '邮箱', '角色', '状态', '密码设置于', ''], rows)}</section>${create}<div id="secret" class="box" hidden></div>`,
      '/ops/accounts',
    );
  });

  r.get('/audit', async (ctx) => {
    if (!(await c.adminOnly(ctx))) return;
    const before = typeof ctx.query.before === 'string' && /^\d{1,18}$/.test(ctx.query.before) ? BigInt(ctx.query.before) : undefined;
    const rows = await auditLog(c.app, { limit: PAGE, beforeId: before });
    const cells = rows.map((a) => [
      when(a.at),
      a.who,
      withCode(actionWords(a.action), a.action),
      a.target ?? '',
      changeWords(a.before, a.after),
    ]);
    const older =
      rows.length === PAGE ? html`<div class="pager"><a href="${withQuery(ctx, { before: rows.at(-1)!.id })}">更早的</a></div>` : '';
    await c.page(
      ctx,
      '操作记录',
      html`<h1>操作记录</h1><section class="box">${table(['时间', '谁', '做了什么', '对象', '之前 → 之后'], cells, '还没有操作记录。')}${older}</section>`,
      '/ops/audit',
    );
  });
}
