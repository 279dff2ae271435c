/** Suppliers: create, list, suspend and resume. */
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { parse } from '../../http/body.js';
import { createSupplier, listSuppliers, updateSupplier } from '../../ops/index.js';
import { before, id } from './audit.js';
import { supplierInput, supplierPatch } from './schemas.js';

export function suppliersRoutes(app: Ctx, r: Router) {
  r.post('/suppliers', async (ctx) => {
    ctx.body = await createSupplier(app, parse(supplierInput, ctx.request.body));
    ctx.status = 201;
  });

  r.get('/suppliers', async (ctx) => {
    ctx.body = { items: await listSuppliers(app) };
  });

  r.patch(
    '/suppliers/:id',
    before(app, (id) => app.db.supplier.findUnique({ where: { id } })),
    async (ctx) => {
      const { status, reason: why } = parse(supplierPatch, ctx.request.body);
      ctx.body = await updateSupplier(app, id(ctx.params.id), { status, statusReason: status === 'suspended' ? why : (why ?? null) });
    },
  );
}
