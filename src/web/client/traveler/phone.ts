/** Proving a phone number by SMS, inline in a form. */
import { ApiError, api, say } from '../api.js';
import { h, toast } from '../dom.js';
import { cell, input } from './words.js';

export function phoneProof(done: () => void): HTMLElement {
  const phone = input('verifyPhone', { type: 'tel', maxlength: 11, inputmode: 'numeric', placeholder: '11位手机号', autocomplete: 'tel' });
  const code = input('verifyCode', { maxlength: 6, inputmode: 'numeric', placeholder: '6位验证码', autocomplete: 'one-time-code' });
  const cells = { phone: cell('phone', '手机号', phone), code: cell('code', '验证码', code) };
  const show = (fields: Record<string, string>) => {
    for (const [k, c] of Object.entries(cells)) c.querySelector('.field-error')!.textContent = fields[k] ?? '';
  };
  const send = h('button', { type: 'button', class: 'weui-btn weui-btn_default weui-btn_mini' }, '获取验证码');
  const verify = h('button', { type: 'button', class: 'weui-btn weui-btn_primary weui-btn_mini' }, '验证');
  const step = async (btn: HTMLButtonElement, call: () => Promise<unknown>, ok: string) => {
    btn.disabled = true;
    show({});
    try {
      await call();
      toast(ok);
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.fields || err.field)) show(err.fields ?? { [err.field!]: err.message });
      else toast(say(err), 'warn');
      return false;
    } finally {
      btn.disabled = false;
    }
  };
  // Sent: the button counts down to when another code may be asked for (the server says how long).
  const countdownFrom = (sec: number) => {
    const until = Date.now() + sec * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        send.disabled = false;
        send.textContent = '重新获取';
        return;
      }
      send.disabled = true;
      send.textContent = `${left} 秒后可重发`;
      window.setTimeout(tick, 1000);
    };
    tick();
  };
  send.addEventListener('click', async () => {
    let wait = 60;
    const sent = await step(
      send,
      async () => {
        const r = await api<{ resendAfterSec?: number }>('POST', '/api/traveler/phone/code', { phone: phone.value.trim() });
        wait = r.resendAfterSec ?? wait;
      },
      '验证码已发送',
    );
    if (sent) countdownFrom(wait);
  });
  verify.addEventListener('click', async () => {
    if (
      await step(
        verify,
        () => api('POST', '/api/traveler/phone/verify', { phone: phone.value.trim(), code: code.value.trim() }),
        '手机号已验证',
      )
    )
      done();
  });
  return h(
    'section',
    { class: 'phone-proof weui-form' },
    h('h2', { class: 'page__title' }, '验证手机号'),
    h('p', { class: 'sub' }, '客服帮你登记过需求？验证手机号后，它们会出现在这里。'),
    cells.phone,
    cells.code,
    h('div', { class: 'actions' }, send, verify),
  );
}
