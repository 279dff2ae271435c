/**
 * The template messages of templates/*.json, loaded once. Each is a WeChat category template: typed
 * keys (`thing1`, `time2`, `character_string3`…) with the label WeChat shows beside each value and a
 * value with {{placeholders}}. Rendering fills the placeholders, then fits each value to its type
 * (values.ts): shortened by rule where that keeps the meaning, otherwise a problem that stops the
 * message before it is sent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fitValue, typeOf } from './values.js';

const DIR = resolve(import.meta.dirname, '../../templates');

export interface Template {
  key: string;
  audience: 'planner' | 'traveler';
  title: string;
  link: string;
  fields: Record<string, { label: string; value: string }>;
}

export type Vars = Record<string, string | number>;

/** A message's WeChat template id: configured (WECHAT_TEMPLATE_IDS), `sandbox-<key>` in the sandbox, else none. */
export const templateIdOf = (config: { sandbox: boolean; wechat: { templateIds: Record<string, string> } }, key: string): string | null =>
  config.wechat.templateIds[key] ?? (config.sandbox ? `sandbox-${key}` : null);

export function loadTemplates(dir = DIR): Map<string, Template> {
  const all = new Map<string, Template>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const t = JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as Template;
    if (`${t.key}.json` !== f) throw new Error(`templates/${f}: key must be "${f.slice(0, -5)}"`);
    for (const [k, v] of Object.entries(t.fields)) {
      if (!typeOf(k)) throw new Error(`templates/${f}: "${k}" is not a typed key (thing1, time2, character_string3, …)`);
      if (typeof v?.label !== 'string' || typeof v.value !== 'string') throw new Error(`templates/${f}: ${k} needs a label and a value`);
    }
    all.set(t.key, t);
  }
  return all;
}

function fill(text: string, vars: Vars, where: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`template ${where}: no value for {{${name}}}`);
    return String(vars[name]);
  });
}

/** WeChat's template `data` and the deep link for one message; `problems` (values of the wrong type) mean it must not be sent. */
export function render(
  t: Template,
  vars: Vars,
  publicUrl: string,
): { url: string; data: Record<string, { value: string }>; problems: string[] } {
  const problems: string[] = [];
  const data: Record<string, { value: string }> = {};
  for (const [k, f] of Object.entries(t.fields)) {
    const r = fitValue(k, fill(f.value, vars, `${t.key}.${k}`));
    if (r.ok) data[k] = { value: r.value };
    else problems.push(r.reason);
  }
  return { url: `${publicUrl.replace(/\/$/, '')}${fill(t.link, vars, `${t.key}.link`)}`, data, problems };
}
