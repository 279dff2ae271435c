/** A promise's value, or `late` once `ms` have passed (its timer cleared either way). A rejection passes through. */
export function within<T, L>(p: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<L>((ok) => {
      timer = setTimeout(() => ok(late), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
