import { ConfigError } from '../../src/config/load';

/** The problems a configuration load reports; fails the test when it loads fine. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
