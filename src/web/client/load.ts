/** The one skeleton every page's load goes through: loading, then the answer — or what is missing (404), or a retry. */
import { ApiError, api, say } from './api.js';
import { empty, failed, h, loading, mount } from './dom.js';

export interface Missing {
  title: string;
  why: string;
  /** Where to go instead: [href, label]. */
  back: [string, string];
}

/**
 * GETs `path` into `body`: shows loading (unless `quiet`, for a refresh), then resolves with the
 * answer; on a 404 shows `missing`, on any other failure the reason and a retry (`retry`), and
 * resolves null. `stale()` true means a newer load started meanwhile: nothing is shown.
 */
export async function loadInto<T>(
  body: Element,
  path: string,
  missing: Missing,
  retry: () => void,
  o: { quiet?: boolean; stale?: () => boolean } = {},
): Promise<T | null> {
  if (!o.quiet) mount(body, loading());
  try {
    const answer = await api<T>('GET', path);
    return o.stale?.() ? null : answer;
  } catch (err) {
    if (o.stale?.()) return null;
    mount(
      body,
      err instanceof ApiError && err.status === 404
        ? empty(
            missing.title,
            missing.why,
            h('a', { class: 'weui-btn weui-btn_default weui-btn_mini', href: missing.back[0] }, missing.back[1]),
          )
        : failed(say(err), retry),
    );
    return null;
  }
}
