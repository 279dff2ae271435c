/** The trip form: every field with its error under it, the phone proved by SMS when it is new. */
import { splitList } from '../../../lists.js';
import { ApiError, api, say } from '../api.js';
import { dialog, h, mount, toast } from '../dom.js';
import { cell, chinaToday, input } from './words.js';

export function tripForm(root: Element) {
  const f = {
    name: input('name', { maxlength: 50, placeholder: '怎么称呼你', autocomplete: 'name' }),
    phone: input('phone', { type: 'tel', maxlength: 11, inputmode: 'numeric', placeholder: '11位手机号', autocomplete: 'tel' }),
    subject: h(
      'select',
      { class: 'weui-select', name: 'subject' },
      h('option', { value: 'individual' }, '个人/家庭'),
      h('option', { value: 'enterprise' }, '企业团建/差旅'),
    ),
    company: input('company', { maxlength: 100, placeholder: '公司名称' }),
    origin: input('origin', { maxlength: 50, placeholder: '如：上海' }),
    destinations: input('destinations', { placeholder: '如：京都、大阪（用顿号或逗号分隔）' }),
    departDate: input('departDate', { type: 'date', min: chinaToday() }),
    returnDate: input('returnDate', { type: 'date', min: chinaToday() }),
    adults: input('adults', { type: 'number', min: 1, max: 99, value: 2, inputmode: 'numeric' }),
    children: input('children', { type: 'number', min: 0, max: 99, value: 0, inputmode: 'numeric' }),
    budget: input('budget', { type: 'number', min: 1, step: 1, inputmode: 'numeric', placeholder: '总预算（元）' }),
    budgetType: h(
      'select',
      { class: 'weui-select', name: 'budgetType' },
      h('option', { value: 'total' }, '总预算'),
      h('option', { value: 'per_person' }, '人均'),
    ),
    plannersWanted: h(
      'select',
      { class: 'weui-select', name: 'plannersWanted' },
      h('option', { value: '3' }, '3位（多比较）'),
      h('option', { value: '2' }, '2位'),
      h('option', { value: '1' }, '1位'),
    ),
    notes: h('textarea', {
      class: 'weui-textarea',
      name: 'notes',
      rows: 3,
      maxlength: 2000,
      placeholder: '想玩什么、住什么、忌口……（选填）',
    }),
  };
  const companyCell = cell('company', '公司', f.company);
  const cells: [string, HTMLElement][] = [
    ['traveler.name', cell('traveler.name', '称呼', f.name)],
    ['traveler.phone', cell('traveler.phone', '手机号', f.phone, '只有抢到你需求的定制师能看到')],
    ['subject', cell('subject', '出行类型', f.subject)],
    ['company', companyCell],
    ['origin', cell('origin', '出发地', f.origin)],
    ['destinations', cell('destinations', '目的地', f.destinations)],
    ['departDate', cell('departDate', '出发日期', f.departDate)],
    ['returnDate', cell('returnDate', '返回日期', f.returnDate)],
    ['adults', cell('adults', '成人', f.adults)],
    ['children', cell('children', '儿童', f.children)],
    ['budgetFen', cell('budgetFen', '预算（元）', f.budget)],
    ['budgetType', cell('budgetType', '预算方式', f.budgetType)],
    ['plannersWanted', cell('plannersWanted', '定制师人数', f.plannersWanted, '几位定制师为你出方案')],
    ['notes', cell('notes', '备注', f.notes)],
  ];
  const showCompany = () => (companyCell.hidden = f.subject.value !== 'enterprise');
  f.subject.addEventListener('change', showCompany);
  showCompany();

  const summary = h('div', { class: 'weui-toptips weui-toptips_warn form-summary', role: 'alert', hidden: true });
  const submit = h('button', { class: 'weui-btn weui-btn_primary', type: 'submit' }, '提交需求');
  const form = h(
    'form',
    { class: 'trip-form', novalidate: true },
    h(
      'div',
      { class: 'weui-form__text-area' },
      h('h2', { class: 'weui-form__title' }, '定制我的旅行'),
      h('div', { class: 'weui-form__desc' }, '填写需求，最多3位专业定制师为你量身设计方案'),
    ),
    summary,
    h(
      'div',
      { class: 'weui-cells weui-cells_form' },
      cells.map(([, c]) => c),
    ),
    h('div', { class: 'actions' }, submit),
  );

  const show = (errors: Record<string, string>) => {
    let first: HTMLElement | null = null;
    for (const [key, c] of cells) {
      // The API names list items too (destinations.0): they belong to the list's field.
      const msg = errors[key] ?? Object.entries(errors).find(([k]) => k.startsWith(`${key}.`))?.[1] ?? '';
      c.classList.toggle('weui-cell_warn', !!msg);
      c.querySelector('.field-error')!.textContent = msg; // a whole sentence, the field named in it
      if (msg && !first) first = c;
    }
    const n = Object.keys(errors).length;
    summary.hidden = n === 0;
    summary.textContent = n ? `有 ${n} 项需要修改` : '';
    (first as HTMLElement | null)?.scrollIntoView({ block: 'center' });
  };

  const body = () => {
    const destinations = splitList(f.destinations.value);
    const num = (el: HTMLInputElement) => (el.value === '' ? NaN : Number(el.value));
    return {
      traveler: { name: f.name.value.trim(), phone: f.phone.value.trim() },
      subject: f.subject.value,
      ...(f.subject.value === 'enterprise' ? { company: f.company.value.trim() } : {}),
      origin: f.origin.value.trim(),
      destinations,
      departDate: f.departDate.value,
      returnDate: f.returnDate.value,
      adults: num(f.adults),
      children: num(f.children),
      budgetFen: Math.round(num(f.budget) * 100),
      budgetType: f.budgetType.value,
      plannersWanted: Number(f.plannersWanted.value),
      ...(f.notes.value.trim() ? { notes: f.notes.value.trim() } : {}),
    };
  };

  /** The same rules as the server, said in Chinese before a round trip; the server still decides. */
  const check = (b: ReturnType<typeof body>) => {
    const e: Record<string, string> = {};
    if (!b.traveler.name) e['traveler.name'] = '请填写称呼。';
    if (!/^1[3-9]\d{9}$/.test(b.traveler.phone)) e['traveler.phone'] = '请填写11位手机号。';
    if (b.subject === 'enterprise' && !b.company) e.company = '企业出行请填写公司名称。';
    if (!b.origin) e.origin = '请填写出发地。';
    if (b.destinations.length === 0) e.destinations = '请至少填写一个目的地。';
    else if (b.destinations.length > 10) e.destinations = '目的地最多10个。';
    if (!b.departDate) e.departDate = '请选择出发日期。';
    else if (b.departDate < chinaToday()) e.departDate = '出发日期不能早于今天。';
    if (!b.returnDate) e.returnDate = '请选择返回日期。';
    else if (b.departDate && b.returnDate < b.departDate) e.returnDate = '返回日期不能早于出发日期。';
    if (!Number.isInteger(b.adults) || b.adults < 1 || b.adults > 99) e.adults = '成人人数请填写1到99。';
    if (!Number.isInteger(b.children) || b.children < 0 || b.children > 99) e.children = '儿童人数请填写0到99。';
    if (!Number.isFinite(b.budgetFen) || b.budgetFen < 100) e.budgetFen = '请填写预算，至少1元。';
    return e;
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const b = body();
    const problems = check(b);
    show(problems);
    if (Object.keys(problems).length) return;
    submit.classList.add('weui-btn_loading');
    submit.disabled = true;
    try {
      const r = await api<{ id: number }>('POST', '/api/traveler/requirements', b);
      toast('提交成功');
      location.href = `/h5/my/requirements/${r.id}`;
    } catch (err) {
      if (err instanceof ApiError && (err.fields || err.field)) show(err.fields ?? { [err.field!]: err.message });
      else await dialog('提交失败', say(err), '知道了');
    } finally {
      submit.classList.remove('weui-btn_loading');
      submit.disabled = false;
    }
  });
  mount(root, h('main', { class: 'content weui-form' }, form));
}
