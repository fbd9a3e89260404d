import { maskNumber } from '../../lib/mask';
import type { DomainEvent } from '../../verification/model';
import type { EventSink } from '../../verification/ports';
import type { LiveEventBus } from './bus';

/**
 * Wraps the engine's event sink: every domain event goes on to `sink` unchanged, and a copy
 * (without number, code or digits) to the live bus. The bus never fails the publish.
 */
export function liveSink(bus: LiveEventBus, sink: EventSink): EventSink {
  return {
    async publish(event: DomainEvent) {
      try {
        feed(bus, event);
      } catch {
        // live events are best effort
      }
      await sink.publish(event);
    },
  };
}

function feed(bus: LiveEventBus, event: DomainEvent): void {
  const record = event.record;
  const base = { verificationId: record.id, keyId: record.keyId };
  switch (event.type) {
    case 'verification.started':
      bus.remember(record.id, { keyId: record.keyId, channel: record.steps[0]?.channel, to: maskNumber(record.to) });
      bus.publish({ ...base, type: event.type, status: record.status, channel: record.steps[0]?.channel });
      return;
    case 'verification.approved':
    case 'verification.failed':
    case 'verification.expired':
    case 'verification.canceled':
      bus.publish({ ...base, type: event.type, status: record.status });
      bus.forget(record.id);
      return;
    case 'attempt.started': {
      const a = event.attempt;
      bus.remember(record.id, { keyId: record.keyId, channel: a.channel, to: maskNumber(record.to) });
      bus.publish({ ...base, type: 'attempt.started', attempt: a.n, channel: a.channel });
      return;
    }
    case 'attempt.updated': {
      const a = event.attempt;
      if (a.trunk) bus.remember(record.id, { keyId: record.keyId, trunk: a.trunk });
      if (a.sms?.status === 'submitted') bus.publish({ ...base, type: 'sms.submitted', attempt: a.n, channel: 'sms' });
      if (a.sms?.status === 'delivered') bus.publish({ ...base, type: 'sms.delivered', attempt: a.n, channel: 'sms' });
      if (a.sms?.status === 'failed') bus.publish({ ...base, type: 'sms.failed', attempt: a.n, channel: 'sms' });
      return;
    }
    case 'attempt.completed': {
      const a = event.attempt;
      if (a.channel === 'sms' && a.sms) {
        const type = a.sms.status === 'delivered' ? 'sms.delivered' : a.sms.status === 'failed' ? 'sms.failed' : 'sms.submitted';
        bus.publish({ ...base, type, attempt: a.n, channel: 'sms' });
      }
      bus.publish({
        ...base,
        type: 'attempt.ended',
        attempt: a.n,
        channel: a.channel,
        trunk: a.trunk,
        outcome: a.outcome,
        result: a.result,
        q850: a.cause?.q850 ?? undefined,
        sip: a.cause?.sip ?? undefined,
      });
      return;
    }
  }
}
