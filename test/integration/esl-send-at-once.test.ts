/**
 * EslLink.sendAtOnce (the wake-up at answer): a command written to the socket ahead of the esl
 * client's queue, whose reply is taken before the client sees it. FreeSWITCH answers commands in
 * order, so every caller must still get its own reply, whatever is sent around it. The fake
 * answers a sendmsg to an unknown channel `-ERR invalid session id [<uuid>]`, which names the command.
 */
import { EslLink, type CommandResult } from '../../src/pbx/freeswitch-esl/esl-link';
import { IdSource } from '../../src/pbx/freeswitch-esl/ids';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { testLogger } from '../support/esl/harness';

const NUDGE = { 'call-command': 'nudge' };

describe('EslLink.sendAtOnce', () => {
  let fake: FakeFreeSwitch;
  let link: EslLink;
  let closed: string[];
  const ids = new IdSource();
  beforeEach(async () => {
    fake = new FakeFreeSwitch({ heartbeatMs: 0 });
    await fake.start();
    closed = [];
    link = await EslLink.open(
      { target: parseEslUrl(fake.url()), logger: testLogger(), connectTimeoutMs: 3000, commandTimeoutMs: 2000, ids },
      { onEvent: () => undefined, onClose: (reason) => closed.push(reason) },
    );
  });
  afterEach(async () => {
    link.close('test over');
    await fake.stop();
  });

  const names = (uuid: string) => expect.objectContaining({ ok: false, failure: 'error', text: `-ERR invalid session id [${uuid}]` }) as CommandResult;

  it('gives each command its own reply when commands are sent right after it', async () => {
    const [a, b, c] = [ids.next(), ids.next(), ids.next()];
    const ahead = link.sendAtOnce(`sendmsg ${a}`, NUDGE);
    const queued = link.send(`sendmsg ${b}`, NUDGE);
    const status = link.api('status');
    const second = link.sendAtOnce(`sendmsg ${c}`, NUDGE); // a command is waiting: this one goes through the queue
    await expect(ahead).resolves.toEqual(names(a));
    await expect(queued).resolves.toEqual(names(b));
    await expect(status).resolves.toMatchObject({ ok: true, text: expect.stringContaining('UP') as string });
    await expect(second).resolves.toEqual(names(c));
    expect(fake.server.commandLog.filter((line) => line.startsWith('sendmsg'))).toEqual([`sendmsg ${a}`, `sendmsg ${b}`, `sendmsg ${c}`]);
  });

  it('gives two commands written ahead in a row their own replies, and the link stays usable', async () => {
    const [a, b] = [ids.next(), ids.next()];
    await Promise.all([link.sendAtOnce(`sendmsg ${a}`, NUDGE), link.sendAtOnce(`sendmsg ${b}`, NUDGE)]).then((results) => expect(results).toEqual([names(a), names(b)]));
    await expect(link.api('status')).resolves.toMatchObject({ ok: true });
    expect(closed).toEqual([]);
  });

  it('fails as down when the link closes before the reply', async () => {
    const pending = link.sendAtOnce(`sendmsg ${ids.next()}`, NUDGE);
    link.close('closed by the test');
    await expect(pending).resolves.toEqual({ ok: false, failure: 'down', text: 'closed by the test' });
  });
});
