/** The ops view of one requirement, from PostgreSQL (the record), with its work orders; phones masked. */
import type { Ctx } from '../context.js';
import { isoDay } from '../format.js';
import { maskPhone } from '../log.js';

export async function requirementView(ctx: Ctx, id: number) {
  const r = await ctx.db.requirement.findUnique({
    where: { id },
    include: {
      traveler: { select: { id: true, name: true, phone: true } },
      releases: { orderBy: { releasedAt: 'asc' } },
      workOrders: { orderBy: { grabbedAt: 'asc' } },
      _count: { select: { candidates: true } },
    },
  });
  if (!r) return null;
  const { _count, workOrders, releases, ...rest } = r;
  return {
    ...rest,
    // Masked: the full number is shown to a person who asks for it, and that is recorded (POST …/contact).
    contactPhone: maskPhone(rest.contactPhone) ?? '',
    traveler: { ...rest.traveler, phone: maskPhone(rest.traveler.phone) ?? '' },
    departDate: isoDay(r.departDate),
    returnDate: isoDay(r.returnDate),
    candidates: _count.candidates,
    releases: releases.map((x) => ({ tier: x.tier, releasedAt: x.releasedAt })),
    workOrders: workOrders.map((w) => ({
      id: w.id,
      plannerId: w.plannerId,
      supplierId: w.supplierId,
      status: w.status,
      channel: w.channel,
      grabbedAt: w.grabbedAt,
      deadlineAt: w.deadlineAt,
      proposedAt: w.proposedAt,
    })),
  };
}
