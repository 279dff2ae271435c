/** A list page the console asks for: which rows to skip and take. */
export interface Paging {
  page: number;
  perPage: number;
}

export const pageOf = (f: Paging) => ({ skip: (f.page - 1) * f.perPage, take: f.perPage });

/** One page of a list and how many there are in all, read side by side. */
export async function paged<T>(f: Paging, count: () => Promise<number>, rows: (page: { skip: number; take: number }) => Promise<T[]>) {
  const [total, items] = await Promise.all([count(), rows(pageOf(f))]);
  return { total, rows: items };
}
