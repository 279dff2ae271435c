/** JSON calls to the product's API. Errors keep the server's code, message and fields. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (res.status === 401) {
    // The session ended: sign in again through WeChat and come back here.
    location.href = `/auth/wechat?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiError(401, 'UNAUTHORIZED', '请重新登录');
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? 'HTTP', e.message ?? `服务器错误 (${res.status})`, e.field, e.fields);
  }
  return data as T;
}

/** What a person reads for an error: the server's words when it has them. */
export function say(err: unknown): string {
  if (err instanceof ApiError) return err.status >= 500 ? '服务器开小差了，请稍后再试' : err.message;
  return '出了点问题，请稍后再试';
}
