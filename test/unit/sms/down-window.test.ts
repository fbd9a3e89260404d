import { DownWindow } from '../../../src/sms/down-window';

describe('DownWindow (Kannel and HTTP gateway health)', () => {
  it('is down for retryDownMs after a failure, then up again; a success ends it early', () => {
    let now = 1_000;
    const window = new DownWindow(30_000, () => now);
    expect(window.health()).toEqual({ ready: true, detail: 'ok' });
    window.fail('unreachable');
    expect(window.health()).toEqual({ ready: false, detail: 'unreachable' });
    now += 29_999;
    expect(window.health().ready).toBe(false);
    now += 1;
    expect(window.health()).toEqual({ ready: true, detail: 'ok' });
    window.fail('timeout');
    expect(window.health()).toEqual({ ready: false, detail: 'timeout' });
    window.ok();
    expect(window.health()).toEqual({ ready: true, detail: 'ok' });
  });
});
