/** One grab from a page (H5 or the PC pop-up): the request, the answer in words, never twice at once. */
import { api, say } from '../api.js';
import { dialog, h } from '../dom.js';
import { clock, left } from '../fmt.js';
import { woBase } from './frame.js';

export const inFlight = new Set<number>();
/** Requirements this tab just won and said so in its dialog: their live "won" does not pop up again. */
export const saidHere = new Set<number>();

/**
 * Grabs, and says what happened in one dialog: on success the contact (a tap calls them), the
 * deadline and the way to the proposal; on refusal the rule in words. `after` re-reads what the
 * page shows (a refusal means the page was stale).
 */
export async function grab(
  requirementId: number,
  channel: 'h5' | 'pc',
  btn?: HTMLButtonElement,
  after?: (ok: boolean) => void,
): Promise<boolean> {
  if (inFlight.has(requirementId)) return false;
  inFlight.add(requirementId);
  if (btn) {
    btn.classList.add('weui-btn_loading');
    btn.disabled = true;
  }
  let ok = false;
  try {
    const r = await api<{
      workOrderId: string;
      contact: { name: string; phone: string };
      deadlineAt: string | null;
      confirming?: boolean;
      message?: string;
    }>('POST', '/api/planner/grabs', { requirementId, channel });
    ok = true;
    saidHere.add(requirementId);
    if (r.confirming) {
      // Won, not yet recorded (a database hiccup): the outcome arrives live ("won") when it is.
      await dialog('正在确认', r.message ?? '系统正在确认，稍后通知你。', '好的');
      return ok;
    }
    const go = await dialog(
      '抢单成功',
      h(
        'div',
        { class: 'won' },
        h('p', {}, `联系人：${r.contact.name}`),
        h('p', {}, h('a', { href: `tel:${r.contact.phone}`, class: 'won__call' }, `拨打 ${r.contact.phone}`)),
        h('p', {}, r.deadlineAt ? `请在 ${clock(r.deadlineAt)} 前提交方案（${left(Date.parse(r.deadlineAt))}）。` : '请在截止前提交方案。'),
      ),
      '写方案',
      '稍后',
    );
    if (go) location.href = `${woBase()}/work-orders/${encodeURIComponent(r.workOrderId)}`;
  } catch (err) {
    const msg = say(err);
    if (btn) btn.closest('[data-req]')?.querySelector('.card__result')?.replaceChildren(msg);
    await dialog('抢单失败', msg, '知道了');
  } finally {
    inFlight.delete(requirementId);
    if (btn) {
      btn.classList.remove('weui-btn_loading');
      btn.disabled = false;
    }
  }
  after?.(ok);
  return ok;
}
