/** The template messages of templates/*.json, loaded once, rendered with checked placeholders. */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const DIR = resolve(import.meta.dirname, '../../templates');

export interface Template {
  key: string;
  audience: 'planner' | 'traveler';
  title: string;
  link: string;
  fields: Record<string, string>;
}

export type Vars = Record<string, string | number>;

export function loadTemplates(dir = DIR): Map<string, Template> {
  const all = new Map<string, Template>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const t = JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as Template;
    if (`${t.key}.json` !== f) throw new Error(`templates/${f}: key must be "${f.slice(0, -5)}"`);
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

/** WeChat's template `data` and the deep link for one message. */
export function render(t: Template, vars: Vars, publicUrl: string): { url: string; data: Record<string, { value: string }> } {
  const data = Object.fromEntries(Object.entries(t.fields).map(([k, v]) => [k, { value: fill(v, vars, `${t.key}.${k}`) }]));
  return { url: `${publicUrl.replace(/\/$/, '')}${fill(t.link, vars, `${t.key}.link`)}`, data };
}
