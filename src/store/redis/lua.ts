import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet
 * (first use, or after a restart emptied the script cache).
 */
export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    /** How many keys it takes; `'any'` for scripts over a list of keys. */
    private readonly keys: number | 'any',
    private readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    if (this.keys !== 'any' && keys.length !== this.keys) throw new RangeError(`${this.name}: expects ${this.keys} keys`);
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
