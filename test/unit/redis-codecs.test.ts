import { redisOptions } from '../../src/store/redis/connection';
import { decodeDelivery, decodeJob, encodeDelivery, encodeJob } from '../../src/store/redis/job-codec';
import { decodeRecord, encodeRecord } from '../../src/store/redis/record-codec';
import type { VerificationRecord } from '../../src/verification/model';
import { sampleRecord } from '../contract/store';

function full(): VerificationRecord {
  const t = 1_760_000_000_000;
  return sampleRecord({
    v: 7,
    workflow: 'sms-call-call',
    steps: [
      { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 120 },
      { channel: 'call', waitSeconds: 120, code: 'same', validitySeconds: 180 },
      { channel: 'reverse', waitSeconds: 180, code: 'new' },
    ],
    sender: 'Acme',
    template: 'Your {brand} code is {code}',
    callerId: '+442037691880',
    callbackUrl: 'https://example.com/hook',
    gate: true,
    status: 'canceled',
    createdAt: t,
    updatedAt: t + 5,
    expiresAt: t + 600_000,
    endedAt: t + 9_000,
    customCode: true,
    codeSealed: 'c2VhbGVk',
    codeExpiresAt: t + 120_000,
    nextStep: 2,
    nextStepAt: t + 300_000,
    attempts: [
      { n: 1, channel: 'sms', startedAt: t, endedAt: t + 50, status: 'completed', result: 'delivered', instance: 'a', detail: 'simsms-1' },
      {
        n: 2,
        channel: 'call',
        startedAt: t + 120_000,
        endedAt: t + 130_000,
        status: 'completed',
        result: 'hung-up-during-prompt',
        outcome: 'answered',
        cause: { q850: 16, text: 'NORMAL_CLEARING' },
        reason: null,
        instance: 'b',
      },
      { n: 3, channel: 'reverse', startedAt: t + 300_000, status: 'running', reason: 5, matched: false, outcome: 'busy', cause: { sip: 486 } },
    ],
  });
}

describe('Redis record encoding', () => {
  it("keeps a failed record's reason and the new-code mark of an attempt", () => {
    const record = { ...full(), status: 'failed' as const, failReason: 'not-answered' as const };
    record.attempts[2] = { ...(record.attempts[2] as VerificationRecord['attempts'][number]), newCode: true };
    expect(decodeRecord(record.id, encodeRecord(record))).toStrictEqual(record);
  });

  it('gives back exactly the record it was given, every optional field included', () => {
    const record = full();
    expect(decodeRecord(record.id, encodeRecord(record))).toStrictEqual(record);
    const bare = sampleRecord();
    delete bare.nextStepAt;
    delete bare.codeSealed;
    expect(decodeRecord(bare.id, encodeRecord(bare))).toStrictEqual(bare);
  });

  it('keeps `reason: null` (answered) apart from no reason at all', () => {
    const record = full();
    const back = decodeRecord(record.id, encodeRecord(record));
    expect(back.attempts[1]).toHaveProperty('reason', null);
    expect(back.attempts[0]).not.toHaveProperty('reason');
  });

  it('keeps fields it has no position for', () => {
    const record = { ...full(), futureField: { a: 1 } } as VerificationRecord;
    expect(decodeRecord(record.id, encodeRecord(record))).toStrictEqual(record);
  });

  it('starts with the version and the status digit the Lua scripts match', () => {
    expect(encodeRecord(sampleRecord({ v: 12 }))).toMatch(/^\[12,0,/);
    expect(encodeRecord(sampleRecord({ v: 3, status: 'approved' }))).toMatch(/^\[3,1,/);
  });

  it('takes well under two thirds of the bytes of plain JSON', () => {
    const record = full();
    expect(Buffer.byteLength(encodeRecord(record))).toBeLessThan((Buffer.byteLength(JSON.stringify(record)) * 2) / 3);
  });
});

describe('Redis job and delivery encoding', () => {
  it('round-trips engine jobs without repeating the verification id', () => {
    const step = { id: 'abc:step', kind: 'step' as const, verificationId: 'abc', at: 1_760_000_000_123, token: 'f00d', step: 2 };
    expect(encodeJob(step)).toBe('f00d|[1760000000123,"step",2]');
    expect(decodeJob(step.id, encodeJob(step))).toStrictEqual(step);
    const expire = { id: 'abc:expire', kind: 'expire' as const, verificationId: 'abc', at: 5, token: 't' };
    expect(decodeJob(expire.id, encodeJob(expire))).toStrictEqual(expire);
    const odd = { id: 'x', kind: 'step' as const, verificationId: 'y', at: 5, token: 't' };
    expect(decodeJob(odd.id, encodeJob(odd))).toStrictEqual(odd);
  });

  it('round-trips deliveries, retry state included', () => {
    const d = {
      id: 'msg_1',
      orderingKey: 'v1',
      keyId: 'k',
      url: 'https://example.com/h',
      type: 'attempt.started',
      body: '{"a":"line\\nbreak"}',
      createdAt: 1_760_000_000,
      nextAt: 1_760_000_000_500,
      attempts: 2,
      lastError: 'HTTP 503\nretry',
    };
    expect(decodeDelivery(d.id, encodeDelivery(d))).toStrictEqual(d);
    const fresh = { ...d, attempts: 0 };
    delete (fresh as Partial<typeof d>).lastError;
    expect(decodeDelivery(d.id, encodeDelivery(fresh))).toStrictEqual(fresh);
  });
});

describe('Redis connection options', () => {
  it('reads host, port, database and credentials from the URL and keeps RESP3', () => {
    expect(redisOptions('redis://user:p%40ss@cache.example:6380/3', 'x')).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 3,
      username: 'user',
      password: 'p@ss',
      protocol: 3,
      replyMapping: 'legacy',
      disableClientInfo: true,
    });
    expect(redisOptions('rediss://cache.example', 'x')).toMatchObject({ port: 6379, db: 0, tls: {} });
    expect(() => redisOptions('redis://cache.example/x', 'x')).toThrow(/database number/);
  });

  it('reads Redis Sentinel from a redis-sentinel:// URL through ioredis\' own options', () => {
    const options = redisOptions('redis-sentinel://:p%40ss@10.0.0.1:26379,10.0.0.2,[::1]:26380/2?name=mymaster&sentinelPassword=s3', 'x');
    expect(options).toMatchObject({
      name: 'mymaster',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      sentinelPassword: 's3',
      password: 'p@ss',
      db: 2,
      failoverDetector: false,
    });
    expect(options.host).toBeUndefined();
    expect(options.tls).toBeUndefined();
    expect(options.reconnectOnError?.(new Error('READONLY You can\'t write against a read only replica.'))).toBe(2);
    expect(options.reconnectOnError?.(new Error('WRONGTYPE'))).toBe(false);
    expect(redisOptions('rediss-sentinel://s1:26379/0?name=m', 'x')).toMatchObject({ tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} });
    expect(() => redisOptions('redis-sentinel://s1:26379/0', 'x')).toThrow(/name=/);
    expect(() => redisOptions('redis-sentinel://s1:26379/zz?name=m', 'x')).toThrow(/database number/);
  });

  it('reads Redis Sentinel from a sentinels: block, the URL naming the primary and the data nodes\' TLS and credentials', () => {
    expect(redisOptions('rediss://app:pw@mymaster/1', 'x', { nodes: ['s1:26379', 's2:26390'], password: 'sp', tls: false })).toMatchObject({
      name: 'mymaster',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26390 },
      ],
      sentinelPassword: 'sp',
      username: 'app',
      password: 'pw',
      db: 1,
      tls: {},
      enableTLSForSentinelMode: true,
    });
    expect(redisOptions('redis://mymaster/0', 'x', { nodes: ['s1'], tls: true })).toMatchObject({ sentinelTLS: {} });
  });
});
