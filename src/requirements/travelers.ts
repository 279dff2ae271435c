/**
 * Who a trip belongs to. A traveler is a WeChat user (their openid, from the session, never from a
 * body), or someone ops entered by phone. A phone typed into a form is a claim: it is shown to the
 * planners who win the trip, but it never links the trips or changes the name of anyone else who
 * has that number. Only a verified phone (phone.ts) joins a WeChat user to what ops entered. A
 * trip's contact is its own (requirements.contact_name/phone, as submitted): a traveler row that
 * changes later changes no trip's contact.
 */
import type { Prisma } from '../generated/prisma/client.js';

type Tx = Prisma.TransactionClient;

export interface TravelerClaim {
  name: string;
  phone: string;
  openid?: string;
}

/** The traveler row a new requirement belongs to (inside the intake transaction). */
export async function travelerFor(tx: Tx, t: TravelerClaim): Promise<{ id: number }> {
  if (t.openid) {
    const mine = await tx.traveler.findUnique({ where: { openid: t.openid } });
    if (!mine) return tx.traveler.create({ data: { name: t.name, phone: t.phone, openid: t.openid }, select: { id: true } });
    // Their own row: their name and contact number, which is unverified again if it changed.
    const changed = mine.phone !== t.phone;
    return tx.traveler.update({
      where: { id: mine.id },
      data: { name: t.name, phone: t.phone, ...(changed ? { phoneVerifiedAt: null } : {}) },
      select: { id: true },
    });
  }
  // Ops, on a traveler's behalf: the verified owner of the number, else the one row ops keep for it.
  const owner = await tx.traveler.findFirst({ where: { phone: t.phone, phoneVerifiedAt: { not: null } }, select: { id: true } });
  if (owner) return owner;
  // (The name typed now is the new trip's contact; the row and the other trips keep theirs.)
  const unclaimed = await tx.traveler.findFirst({ where: { phone: t.phone, openid: null }, select: { id: true } });
  if (unclaimed) return unclaimed;
  return tx.traveler.create({ data: { name: t.name, phone: t.phone }, select: { id: true } });
}

/** The WeChat user (other than `openid`) who has verified this number, if any. */
export async function verifiedOwner(tx: Tx, phone: string, openid: string | undefined) {
  return tx.traveler.findFirst({
    where: { phone, phoneVerifiedAt: { not: null }, NOT: openid ? { openid } : undefined },
    select: { id: true },
  });
}

/**
 * After an SMS code proved that `openid` holds `phone`: the number becomes theirs (verified), and
 * the trips ops entered for it join their own. Ops' row is claimed as it is (ops' name kept) when
 * the user has none yet, else its trips move to the user's row. Returns the user's traveler id.
 */
export async function claimVerifiedPhone(tx: Tx, openid: string, phone: string, now: Date): Promise<number> {
  const unclaimed = await tx.traveler.findFirst({ where: { phone, openid: null }, select: { id: true } });
  const mine = await tx.traveler.findUnique({ where: { openid }, select: { id: true } });
  if (!mine && unclaimed) {
    await tx.traveler.update({ where: { id: unclaimed.id }, data: { openid, phoneVerifiedAt: now } });
    return unclaimed.id;
  }
  const me = mine
    ? await tx.traveler.update({ where: { id: mine.id }, data: { phone, phoneVerifiedAt: now }, select: { id: true } })
    : await tx.traveler.create({ data: { name: '微信用户', phone, openid, phoneVerifiedAt: now }, select: { id: true } });
  if (unclaimed) {
    await tx.requirement.updateMany({ where: { travelerId: unclaimed.id }, data: { travelerId: me.id } });
    await tx.traveler.delete({ where: { id: unclaimed.id } });
  }
  return me.id;
}
