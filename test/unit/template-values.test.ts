import { describe, expect, it } from 'vitest';
import { fitValue, invalidValue } from '../../src/notify/values.js';

describe('template values by type', () => {
  it('shortens free text by rule and keeps what fits', () => {
    expect(fitValue('thing2', '京都、大阪、奈良、神户、名古屋、富士山、箱根、东京、横滨、镰仓')).toEqual({
      ok: true,
      value: '京都、大阪、奈良、神户、名古屋、富士山…',
      shortened: true,
    });
    expect(fitValue('thing2', '京都、大阪')).toEqual({ ok: true, value: '京都、大阪', shortened: false });
    expect(fitValue('name3', '欧阳娜娜娜娜娜娜娜娜娜')).toEqual({ ok: true, value: '欧阳娜娜娜娜娜娜娜娜', shortened: true });
  });

  it('refuses a value of the wrong type instead of sending it', () => {
    expect(fitValue('character_string1', 'ABC234')).toMatchObject({ ok: true, value: 'ABC234' });
    expect(fitValue('character_string1', '需求ABC234')).toMatchObject({ ok: false, reason: expect.stringContaining('no Chinese') });
    expect(fitValue('phrase4', 'S级开放')).toMatchObject({ ok: false });
    expect(fitValue('phrase4', '已开放')).toMatchObject({ ok: true });
    expect(fitValue('time5', '12-25 18:00')).toMatchObject({ ok: false });
    expect(fitValue('time5', '2026-12-25 18:00')).toMatchObject({ ok: true });
    expect(fitValue('amount3', '18,800元')).toMatchObject({ ok: false });
    expect(fitValue('amount3', '18800元')).toMatchObject({ ok: true });
    expect(fitValue('thing2', '  ')).toMatchObject({ ok: false });
    expect(fitValue('keyword1', 'x')).toMatchObject({ ok: false });
  });

  it('the sandbox refuses as WeChat does (47003 names the field)', () => {
    expect(invalidValue('thing1', '一二三四五六七八九十一二三四五六七八九十一')).toBe('argument invalid! data.thing1.value invalid');
    expect(invalidValue('thing1', '一二三四五六七八九十一二三四五六七八九十')).toBeNull();
    expect(invalidValue('first', '旧模板')).toBe('argument invalid! data.first not a template key');
  });
});
