/** The console's html template: every value escaped unless it is markup the code wrote. */
import { describe, expect, it } from 'vitest';
import { html, joined, raw } from '../../src/api/console/html.js';
import { table } from '../../src/api/console/layout.js';

describe('html``', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = '<script>alert(1)</script>';
    const out = html`<a title="${'" onmouseover="x'}">${name}</a>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('" onmouseover');
    expect(out).toContain('&#60;script&#62;');
  });
  it('keeps fragments and raw markup as they are, joins arrays, writes nothing for null, undefined and false', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}${raw('<br>')}${[html`<i>1</i>`, '<2>']}${null}${undefined}${false}${0}</p>`.value).toBe(
      '<p><b>a&#38;b</b><br><i>1</i>&#60;2&#62;0</p>',
    );
    expect(joined(['<x>', html`<y>`], '<br>').value).toBe('&#60;x&#62;<br><y>');
  });
  it('a table escapes its cells and headers', () => {
    const t = table(['<h>'], [['<td>']]).value;
    expect(t).toContain('<th>&#60;h&#62;</th>');
    expect(t).toContain('<td>&#60;td&#62;</td>');
  });
});
