/**
 * Broadcast pages: while composing, who the audience reaches (POST /api/ops/broadcasts/audience,
 * as the choice changes); while sending, the progress, read every second until it is done or
 * cancelled (then the page is drawn again with its failures).
 */
import { bodyOf } from './forms.js';

interface Reach {
  audience: number;
  reachable: number;
  unbound: number;
  unsubscribed: number;
  refuses: number;
  invalid: number;
  massUsedThisMonth: number;
  massAtLimit: number;
}

export function compose(form: HTMLFormElement) {
  const out = document.getElementById('reach')!;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = async () => {
    const audience = (bodyOf(form).audience ?? {}) as Record<string, unknown>;
    const res = await fetch('/api/ops/broadcasts/audience', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(audience),
      credentials: 'same-origin',
    });
    if (!res.ok) {
      out.textContent = '受众条件有误，见下方提示。';
      return;
    }
    const r = (await res.json()) as Reach;
    out.dataset.audience = String(r.audience);
    out.textContent = `受众 ${r.audience} 人：可触达 ${r.reachable}，未绑定微信 ${r.unbound}，已取消关注 ${r.unsubscribed}，拒收消息 ${r.refuses}，微信号无效 ${r.invalid}；本月群发已用（受众中最多）${r.massUsedThisMonth} / 4${r.massAtLimit ? `，${r.massAtLimit} 人已满 4 条` : ''}。`;
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void update(), 250);
  };
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  void update();
}

export function progress(root: HTMLElement) {
  if (root.dataset.status !== 'sending') return;
  const id = root.dataset.id!;
  const tick = async () => {
    const res = await fetch(`/api/ops/broadcasts/${id}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) return;
    const b = (await res.json()) as { status: string; counts: Record<string, number>; byChannel: Record<string, Record<string, number>> };
    for (const [k, v] of Object.entries(b.counts)) {
      const el = root.querySelector(`[data-k="${k}"]`);
      if (el) el.textContent = String(v);
    }
    for (const [c, xs] of Object.entries(b.byChannel))
      for (const [k, v] of Object.entries(xs)) {
        const el = root.querySelector(`[data-k="${c}.${k}"]`);
        if (el) el.textContent = String(v);
      }
    if (b.status !== 'sending') location.reload();
  };
  setInterval(() => void tick(), 1000);
}
