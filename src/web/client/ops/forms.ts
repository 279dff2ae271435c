/**
 * `<form data-api="/api/ops/…" data-method="POST" data-then="reload | go:/path/{id} | qr | secret">`:
 * the fields become a JSON body (data-type: number, list "a, b", ids (checked boxes), else text; an
 * empty optional number is left out), the answer decides what happens next, and a refusal shows
 * its message under the field it names (or at the form's foot).
 */
import QRCode from 'qrcode';
import { splitList } from '../../../lists.js';
import { fenOfYuan, yuanInWords, yuanText } from '../../../money.js';

type Answer = { status: number; body: any };

async function send(method: string, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: { message: `服务器返回了无法识别的内容（${res.status}）` } };
  }
  return { status: res.status, body: parsed };
}

/** Where a field goes: "audience.tiers" is body.audience.tiers. */
function slot(body: Record<string, unknown>, name: string): [Record<string, unknown>, string] {
  const path = name.split('.');
  let at = body;
  for (const k of path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  return [at, path.at(-1)!];
}

const words = splitList;

/**
 * The form as JSON. data-type: number; list ("a, b" → ["a","b"]); numlist ("1, 2" → [1,2]); multi
 * (ticked boxes → their values); ids (ticked boxes → numbers; left out by an "all" button); else text.
 * An empty optional field is left out.
 */
export function bodyOf(form: HTMLFormElement, all = false): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const el of Array.from(form.elements) as HTMLInputElement[]) {
    if (!el.name || el.disabled || el.tagName === 'BUTTON') continue;
    const type = el.dataset.type;
    const [at, key] = slot(body, el.name);
    if (type === 'ids' || type === 'multi') {
      if (type === 'ids' && all) continue;
      const xs = (at[key] as unknown[] | undefined) ?? [];
      if (el.checked) xs.push(type === 'ids' ? Number(el.value) : el.value);
      at[key] = xs;
      continue;
    }
    const v = el.value.trim();
    if (type === 'number') {
      if (v !== '') at[key] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v; // a non-number is the API's to refuse, by field
    } else if (type === 'list') {
      if (v !== '') at[key] = words(v);
    } else if (type === 'numlist') {
      if (v !== '') at[key] = words(v).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
    } else if (v !== '' || el.type === 'hidden') at[key] = v;
  }
  // A multi-choice with nothing ticked says so (an empty list), except where empty means "any".
  for (const el of Array.from(form.querySelectorAll<HTMLInputElement>('[data-type="multi"][data-empty="omit"]'))) {
    const [at, key] = slot(body, el.name);
    if (Array.isArray(at[key]) && (at[key] as unknown[]).length === 0) delete at[key];
  }
  return body;
}

function showErrors(form: HTMLFormElement, err: { message?: string; field?: string; fields?: Record<string, string> }) {
  const fields = err.fields ?? (err.field ? { [err.field]: err.message ?? '' } : {});
  let placed = false;
  for (const [name, message] of Object.entries(fields)) {
    // The closest named slot: "audience.tiers.0" finds audience.tiers, then audience.
    const parts = name.split('.');
    for (let n = parts.length; n > 0; n--) {
      const el = form.querySelector<HTMLElement>(`.field-error[data-for="${CSS.escape(parts.slice(0, n).join('.'))}"]`);
      if (el) {
        el.textContent = message;
        placed = true;
        break;
      }
    }
  }
  const foot = form.querySelector<HTMLElement>('.form-error')!;
  if (!placed) {
    // The sentences (fields) are Chinese; `message` is for machines when a form has no slot for the field.
    const said = Object.values(fields);
    foot.textContent = said.length
      ? said.join(' ')
      : /[\u4e00-\u9fa5]/.test(err.message ?? '')
        ? err.message!
        : '操作没有成功，请稍后再试。';
    foot.hidden = false;
  }
}

function clearErrors(form: HTMLFormElement) {
  const ok = form.querySelector<HTMLElement>('.form-ok');
  if (ok) ok.hidden = true;
  for (const el of Array.from(form.querySelectorAll<HTMLElement>('.field-error'))) el.textContent = '';
  const foot = form.querySelector<HTMLElement>('.form-error');
  if (foot) {
    foot.textContent = '';
    foot.hidden = true;
  }
}

async function showQr(body: { url: string; expiresAt: string }) {
  const box = document.getElementById('qr')!;
  const img = await QRCode.toDataURL(body.url, { width: 200, margin: 1 });
  const until = new Date(body.expiresAt);
  box.innerHTML = '';
  box.className = 'qr';
  const pic = document.createElement('img');
  pic.src = img;
  pic.alt = '绑定二维码';
  const words = document.createElement('div');
  words.innerHTML =
    '<p>请定制师用微信扫码，扫码即绑定（只能用一次）。</p><p class="muted">有效至 <b data-k="until"></b></p><p class="muted">二维码内容：<code data-k="url"></code></p>';
  words.querySelector('[data-k="until"]')!.textContent = until.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit' });
  words.querySelector('[data-k="url"]')!.textContent = body.url;
  box.append(pic, words);
  box.dataset.url = body.url;
  box.hidden = false;
}

function showSecret(body: { email: string; password: string; created: boolean }) {
  const box = document.getElementById('secret')!;
  box.innerHTML = '<h2></h2><p>一次性密码（只显示这一次，请当面或通过安全渠道交给对方）：</p><p><span class="secret"></span></p>';
  box.querySelector('h2')!.textContent = `${body.created ? '已创建' : '已重置密码'}：${body.email}`;
  box.querySelector('.secret')!.textContent = body.password;
  box.hidden = false;
  box.scrollIntoView({ block: 'center' });
}

/**
 * The form's confirmation. With data-confirm-yuan (the field holding an amount in yuan; empty means
 * data-yuan-all fen), its {amount} is the amount as it will be sent, in figures and in capital
 * numerals, so a slip of a digit shows before it is irreversible. Null: the amount is not one (said under its field).
 */
function confirmation(form: HTMLFormElement): string | null {
  const text = form.dataset.confirm ?? '';
  const name = form.dataset.confirmYuan;
  if (!name) return text;
  const typed = (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const fen = typed === '' ? Number(form.dataset.yuanAll) : fenOfYuan(typed);
  if (fen === null || fen <= 0) {
    showErrors(form, { field: name, message: '请填写金额（元），最多两位小数，例如 1000 或 1000.50。' });
    return null;
  }
  return text.replace('{amount}', `${yuanText(fen)}（${yuanInWords(fen)}）`);
}

export function forms(root: Document) {
  root.addEventListener('submit', async (e) => {
    const form = e.target as HTMLFormElement;
    if (!form.dataset.api) return;
    e.preventDefault();
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    clearErrors(form);
    const ask = confirmation(form);
    if (ask === null || (ask && !window.confirm(ask))) return;
    const buttons = Array.from(form.querySelectorAll('button'));
    for (const b of buttons) b.disabled = true;
    try {
      const r = await send(form.dataset.method ?? 'POST', form.dataset.api, bodyOf(form, submitter?.name === 'all'));
      if (r.status >= 400) return showErrors(form, r.body?.error ?? {});
      const then = form.dataset.then ?? 'reload';
      if (then === 'qr') await showQr(r.body);
      else if (then.startsWith('notice:')) {
        const ok = form.querySelector<HTMLElement>('.form-ok');
        if (ok) {
          ok.textContent = then.slice(7);
          ok.hidden = false;
        }
      } else if (then === 'secret') showSecret(r.body);
      else if (then === 'reveal') {
        // A number shown in full on request (the server recorded who asked): in place, until the page is left.
        const ok = form.querySelector<HTMLElement>('.form-ok');
        if (ok) {
          ok.textContent = String(r.body?.phone ?? '');
          ok.hidden = false;
        }
        if (submitter) submitter.hidden = true;
      } else if (then.startsWith('go:')) location.assign(then.slice(3).replace('{id}', encodeURIComponent(String(r.body?.id ?? ''))));
      else location.reload();
    } catch {
      showErrors(form, { message: '网络不通，请检查网络后再试。' });
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
}
