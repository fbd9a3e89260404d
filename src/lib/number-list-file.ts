import { readFile, rename, stat, writeFile } from 'node:fs/promises';

/**
 * A list of phone numbers in a text file: one E.164 number a line, `#` starts a comment. Saving
 * rewrites the file atomically (temporary file + rename; comments are not kept). `load()` skips
 * the read when the file's modification time and size did not change.
 *
 * It fits the do-not-call list's `NumberListStore` port by shape (checked where src/app/ passes
 * it in): lib/ is the ground floor and imports nothing from the domain.
 */
export class FileNumberList {
  private seen: string | undefined;

  constructor(private readonly path: string) {}

  async load(): Promise<string[] | undefined> {
    let signature: string;
    try {
      const info = await stat(this.path);
      signature = `${info.mtimeMs}:${info.size}`;
    } catch (err) {
      // no file yet: an empty list, created on the first change
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.seen === 'missing') return undefined;
      this.seen = 'missing';
      return [];
    }
    if (signature === this.seen) return undefined;
    const text = await readFile(this.path, 'utf8');
    this.seen = signature;
    return parseNumberList(text);
  }

  async save(numbers: readonly string[]): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `# pbxverify do-not-call list (rewritten by the admin API)\n${numbers.join('\n')}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
    const info = await stat(this.path);
    this.seen = `${info.mtimeMs}:${info.size}`;
  }
}

/** Numbers of a list file: trimmed lines without comments; blank lines skipped. */
export function parseNumberList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}
