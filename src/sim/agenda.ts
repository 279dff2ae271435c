/** The people's next actions in time order, ties in the order they were planned: a binary heap by (at, seq). */
export interface Entry {
  at: number;
  seq: number;
  act: () => Promise<void>;
}

export class Agenda {
  private heap: Entry[] = [];
  private seq = 0;
  peek(): Entry | undefined {
    return this.heap[0];
  }
  push(at: number, act: () => Promise<void>) {
    const h = this.heap;
    h.push({ at, seq: this.seq++, act });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
  private less(a: Entry, b: Entry) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
