/** Binding a WeChat to a planner account with the code ops gave. */
import { api, say } from '../api.js';
import { h, mount } from '../dom.js';

export function bindPage(root: Element, next: string) {
  const code = h('input', {
    class: 'weui-input',
    id: 'bind-code',
    name: 'code',
    maxlength: 8,
    autocapitalize: 'characters',
    autocomplete: 'off',
    spellcheck: false,
    placeholder: '8位绑定码，如 K7M3Q9XP',
  });
  const err = h('div', { class: 'field-error', 'data-for': 'code' });
  const form = h(
    'form',
    { novalidate: true },
    h(
      'div',
      { class: 'weui-msg__text-area' },
      h('h2', { class: 'weui-msg__title' }, '绑定定制师账号'),
      h('p', { class: 'weui-msg__desc' }, '请输入运营发给你的8位绑定码（字母和数字，不分大小写）。绑定后即可在微信里抢单。'),
    ),
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      h(
        'div',
        { class: 'weui-cell' },
        h('div', { class: 'weui-cell__hd' }, h('label', { class: 'weui-label', for: 'bind-code' }, '绑定码')),
        h('div', { class: 'weui-cell__bd' }, code),
      ),
    ),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '绑定')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!/^[0-9a-z]{8}$/i.test(code.value.trim())) return void (err.textContent = '绑定码是8位字母和数字。');
    try {
      await api('POST', '/api/wechat/bind', { code: code.value.trim() });
      location.href = next;
    } catch (e) {
      err.textContent = say(e);
    }
  });
  mount(root, h('main', { class: 'content weui-msg' }, form));
}
