import { defaultSeed, type IdentitySeed } from '../../../src/sandbox/identity/index.js';

export * from './support.js';

/** The default seed with some options changed (e.g. a 1 s device-code interval). */
export function defaultSeedWith(options: Partial<IdentitySeed['options']>): IdentitySeed {
  const seed = defaultSeed();
  return { ...seed, options: { ...seed.options, ...options } };
}
