/** A simulation in progress (/ops/simulations/:id): its progress followed every second, the page reloaded when it ends. */
export function follow(root: HTMLElement) {
  const status = root.dataset.status;
  if (status !== 'queued' && status !== 'running') return;
  const set = (k: string, f: (el: HTMLElement) => void) => {
    const el = root.querySelector<HTMLElement>(`[data-k="${k}"]`);
    if (el) f(el);
  };
  const tick = async () => {
    const res = await fetch(`/api/ops/simulations/${root.dataset.id}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return;
    const run = (await res.json()) as { status: string; progress: { done?: number; total?: number; line?: string } | null };
    const p = run.progress ?? {};
    set('bar', (el) => {
      (el as HTMLProgressElement).max = p.total || 1;
      (el as HTMLProgressElement).value = p.done ?? 0;
    });
    set('count', (el) => {
      el.textContent = `${p.done ?? 0}/${p.total || '?'}`;
    });
    set('line', (el) => {
      el.textContent = p.line ?? '';
    });
    if (run.status !== status && (run.status === 'done' || run.status === 'failed' || run.status === 'running')) location.reload();
  };
  setInterval(() => void tick(), 1000);
}
