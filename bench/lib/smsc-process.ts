/** The scripted test SMSC in a process of its own (bench/sms.bench.ts): prints its port, accepts everything. */
import { TestSmsc } from '../../test/support/test-smsc';

async function main(): Promise<void> {
  const smsc = new TestSmsc();
  smsc.script.defaultStat = 'none';
  const port = await smsc.start();
  process.stdout.write(`${port}\n`);
  process.on('SIGTERM', () => void smsc.stop().then(() => process.exit(0)));
}

void main();
