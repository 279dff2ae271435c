/**
 * Seeded randomness, one stream per purpose (common random numbers): `stream(seed, 'arrivals')`,
 * `stream(seed, 'planner', 12, 'req', 40)`. A stream is a function of the seed and its name only,
 * so two policies run with one seed face the same demand and the same people, decision by
 * decision, however differently the runs unfold. sfc32 seeded by a 128-bit hash of the name.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  chance(p: number): boolean;
  uniform(a: number, b: number): number;
  int(lo: number, hi: number): number;
  normal(): number;
  /** Log-normal with this median and log-space sigma. */
  lognormal(median: number, sigma: number): number;
  exponential(mean: number): number;
  gamma(shape: number, scale: number): number;
  poisson(mean: number): number;
  weibull(shape: number, scale: number): number;
  /** An index drawn by weight. */
  weighted(weights: readonly number[]): number;
  pick<T>(items: readonly T[]): T;
}

function hash128(text: string): [number, number, number, number] {
  // cyrb128: four 32-bit lanes, good avalanche for short keys.
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

export function stream(seed: number, ...purpose: (string | number)[]): Rng {
  let [a, b, c, d] = hash128(`${seed}/${purpose.join('/')}`);
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up
  const normal = () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const gamma = (shape: number, scale: number): number => {
    if (shape < 1) return gamma(shape + 1, scale) * next() ** (1 / shape);
    const d3 = shape - 1 / 3;
    const c3 = 1 / Math.sqrt(9 * d3);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c3 * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d3 * (1 - v + Math.log(v))) return d3 * v * scale;
    }
  };
  const rng: Rng = {
    next,
    chance: (p) => next() < p,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal,
    lognormal: (median, sigma) => median * Math.exp(sigma * normal()),
    exponential: (mean) => -mean * Math.log(1 - next()),
    gamma,
    poisson(mean) {
      if (mean <= 0) return 0;
      if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
      const limit = Math.exp(-mean);
      let k = 0;
      for (let p = next(); p > limit; p *= next()) k++;
      return k;
    },
    weibull: (shape, scale) => scale * (-Math.log(1 - next())) ** (1 / shape),
    weighted(weights) {
      const total = weights.reduce((s, w) => s + w, 0);
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i];
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
    pick: (items) => items[Math.floor(next() * items.length)],
  };
  return rng;
}
