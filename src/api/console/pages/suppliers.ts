/** 供应商: every supplier with its planners, suspend and resume, and the form for a new one. */
import type Router from '@koa/router';
import { listSuppliers } from '../../../ops/index.js';
import { html } from '../html.js';
import { apiForm, type Console, field, input, link, num, table, tag } from '../layout.js';

export function suppliers(r: Router, c: Console) {
  r.get('/suppliers', async (ctx) => {
    const rows = (await listSuppliers(c.app)).map((s) => [
      link(`/ops/planners?supplierId=${s.id}`, s.name),
      num(`${s.activePlanners} / ${s.planners}`),
      s.status === 'active' ? '在营' : html`${tag('suspended')} <span class="muted">${s.statusReason ?? ''}</span>`,
      s.status === 'active'
        ? apiForm(
            'PATCH',
            `/api/ops/suppliers/${s.id}`,
            html`<input type="hidden" name="status" value="suspended"><div class="inline">${input('reason', '', 'placeholder="暂停原因" aria-label="暂停原因"')}<button class="small danger">暂停</button></div>`,
            { confirm: `暂停 ${s.name}？它的定制师都将立即不能抢单。` },
          )
        : apiForm(
            'PATCH',
            `/api/ops/suppliers/${s.id}`,
            html`<input type="hidden" name="status" value="active"><button class="small">恢复</button>`,
          ),
    ]);
    const create = apiForm(
      'POST',
      '/api/ops/suppliers',
      html`<h2>新建供应商</h2><div class="inline">${field('名称', 'name', input('name'))}<button>创建</button></div>`,
      { cls: 'box' },
    );
    await c.page(
      ctx,
      '供应商',
      html`<h1>供应商</h1><section class="box">${table(['名称', '在岗/定制师', '状态', ''], rows, '还没有供应商。')}</section>${create}`,
      '/ops/suppliers',
    );
  });
}
