/**
 * The seeded random generator behind `rand`, `randn`, `randint`, `normal_`, `uniform_`,
 * dropout and shuffling: a 32-bit Mersenne Twister (MT19937), the same engine PyTorch's CPU
 * generator uses.
 */

const N = 624;
const M = 397;

/**
 * A seeded random number generator (PyTorch's `torch.Generator`).
 * @example
 * const g = new torch.Generator().manualSeed(0);
 * torch.rand([2], { generator: g });
 */
export class Generator {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;
  private seed = 67280421310721;
  /** A spare normal sample from the last Box–Muller pair. */
  private spareNormal: number | null = null;

  constructor() {
    this.manualSeed(67280421310721);
  }

  /** Seeds the generator (PyTorch's `manual_seed`); returns it for chaining. */
  manualSeed(seed: number | bigint): this {
    this.seed = Number(BigInt.asUintN(64, BigInt(seed)));
    const mt = this.mt;
    mt[0] = Number(BigInt.asUintN(32, BigInt(seed)));
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
    this.spareNormal = null;
    return this;
  }

  /** The seed last set. */
  initialSeed(): number {
    return this.seed;
  }

  private twist(): void {
    twistState(this.mt);
    this.index = 0;
  }

  /**
   * @internal Hands the raw state to a bulk draw (a backend kernel): `draw(state, index)` uses
   * words from `index` on, twisting `state` in place when it runs out, and returns the index of
   * the next unused word.
   */
  _drawBulk(draw: (state: Uint32Array, index: number) => number): void {
    this.index = draw(this.mt, this.index);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    return temper(this.mt[this.index++]);
  }

  /** A uniform float in [0, 1) with 24 random bits (float32 resolution). */
  nextFloat(): number {
    return (this.nextUint32() & 0xffffff) / 0x1000000;
  }

  /** A uniform double in [0, 1): the low 53 bits of 64 random bits (PyTorch's `random64`), as PyTorch draws it. */
  nextDouble(): number {
    const hi = this.nextUint32();
    return ((hi & 0x1fffff) * 4294967296 + this.nextUint32()) / 9007199254740992;
  }

  /**
   * A standard normal sample by Box–Muller in float64, caching the second value of each pair
   * (PyTorch's per-element normal, used for tensors under 16 elements).
   */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    const u1 = this.nextDouble();
    const u2 = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** A uniform integer in [low, high). */
  nextInt(low: number, high: number): number {
    const range = high - low;
    if (range < 0x100000000) return low + (this.nextUint32() % range);
    const hi = this.nextUint32();
    const lo = this.nextUint32();
    return low + Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(range));
  }
}

/** The word count of an MT19937 state. */
export const STATE_WORDS = N;

/** @internal Regenerates all 624 words of an MT19937 state in place. */
export function twistState(mt: Uint32Array): void {
  // Three runs instead of `% N` on every index: i + M wraps at N - M, i + 1 at N - 1.
  let i = 0;
  for (; i < N - M; i++) mt[i] = mix(mt[i], mt[i + 1], mt[i + M]);
  for (; i < N - 1; i++) mt[i] = mix(mt[i], mt[i + 1], mt[i + M - N]);
  mt[N - 1] = mix(mt[N - 1], mt[0], mt[M - 1]);
}

/** One step of the twist: the new state word from words i, i + 1 and i + M. */
function mix(a: number, b: number, c: number): number {
  const y = (a & 0x80000000) | (b & 0x7fffffff);
  return (c ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
}

/** @internal MT19937's output tempering of one state word, as an unsigned 32-bit integer. */
export function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}

/** The global generator used when none is passed. */
export const defaultGenerator = new Generator();

/** Seeds the global generator (PyTorch's `torch.manual_seed`). */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** The global generator's seed. */
export function initialSeed(): number {
  return defaultGenerator.initialSeed();
}
