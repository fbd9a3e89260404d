import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteHistory } from '../../src/history/sqlite/open-sqlite';
import { historyContract } from './history';

historyContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-history-'));
  let n = 0;
  return {
    open: async () => openSqliteHistory(join(dir, `h${++n}.db`)),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
