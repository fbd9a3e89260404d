import pg from 'pg';
import { openPostgresHistory } from '../../src/history/postgres/open-postgres';
import { startPostgresServer } from '../support/postgres-server';
import { historyContract } from './history';

historyContract('postgres', async () => {
  const server = await startPostgresServer();
  let n = 0;
  return {
    open: async () => {
      const name = `h${++n}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      return openPostgresHistory({ url: server.url.replace(/\/postgres$/, `/${name}`) });
    },
    close: () => server.stop(),
  };
});
