import seedrandom from 'seedrandom';

/**
 * Seeded source of random numbers. The same seed gives the same sequence on
 * every platform, which is what makes a report reproducible.
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** +1 or −1 with equal probability. */
  rademacher(): number;
  /** Integer uniform in [0, upper). */
  integer(upper: number): number;
}

/** Creates a Random from an integer seed; `stream` separates independent uses of one seed. */
export function createRandom(seed: number, stream = ''): Random {
  const generator = seedrandom(`${seed}:${stream}`);
  let spareNormal: number | null = null;

  const uniform = (): number => generator.double();

  return {
    uniform,
    normal(): number {
      if (spareNormal !== null) {
        const value = spareNormal;
        spareNormal = null;
        return value;
      }
      // Box–Muller: 1 − u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    rademacher(): number {
      return uniform() < 0.5 ? -1 : 1;
    },
    integer(upper: number): number {
      return Math.floor(uniform() * upper);
    },
  };
}

/** Fills a new Float64Array of length n with standard normal values. */
export function normalVector(random: Random, n: number): Float64Array {
  const vector = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vector[i] = random.normal();
  }
  return vector;
}

/** Fills a new Float64Array of length n with Rademacher (±1) values. */
export function rademacherVector(random: Random, n: number): Float64Array {
  const vector = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vector[i] = random.rademacher();
  }
  return vector;
}

/** Draws k distinct indices from [0, n) and returns them in ascending order. */
export function sampleIndices(random: Random, n: number, k: number): number[] {
  if (k >= n) {
    return Array.from({ length: n }, (_, i) => i);
  }

  // Partial Fisher–Yates shuffle: the first k entries are a uniform k-subset.
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + random.integer(n - i);
    const swap = pool[i];
    pool[i] = pool[j];
    pool[j] = swap;
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}
