/** A list page's query: its result, or the page's words for what did not parse (which field and why). */
import { DomainError } from '../../../errors.js';
import { type Html, html } from '../html.js';

export async function queryProblem<T>(run: () => Promise<T>): Promise<{ result: T | null; problem: Html | '' }> {
  try {
    return { result: await run(), problem: '' };
  } catch (err) {
    if (!(err instanceof DomainError) || !err.fields) throw err;
    // The sentences name their field already (http/words.ts): no machine names before them.
    return { result: null, problem: html`<p class="err" role="alert">${Object.values(err.fields).join(' ')}</p>` };
  }
}
