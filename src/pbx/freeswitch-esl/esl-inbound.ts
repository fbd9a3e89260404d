import type { InboundCall } from '../port';
import { attestationOf, verstatOf } from '../stir-shaken';
import type { EslEvent } from './esl-link';

/**
 * A call to a missed-call DID parked by the `pbxverify-inbound` context (dialplan/freeswitch),
 * which sets `pbxverify_inbound=true` (the event filter that lets these channels through to us).
 * Caller number and DID from the caller profile; withheld from the privacy flag; STIR/SHAKEN from
 * `sip_verstat` (FreeSWITCH reads it from P-Asserted-Identity), the PAI itself and the Identity
 * header when the profile passes it on. Refused unanswered with `uuid_kill <uuid> USER_BUSY`
 * (486) or `CALL_REJECTED` (603).
 */
export function eslInboundCall(uuid: string, event: EslEvent, kill: (uuid: string, cause: string) => Promise<void>, at: number): InboundCall {
  const header = (name: string): string | undefined => {
    const value = event[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const privacy = `${header('Caller-Privacy-Hide-Number') ?? ''} ${header('variable_sip_Privacy') ?? ''}`;
  const pai = header('variable_sip_P-Asserted-Identity');
  let rejected: Promise<void> | undefined;
  return {
    id: uuid,
    did: header('Caller-Destination-Number') ?? '',
    from: header('Caller-Caller-ID-Number') ?? '',
    withheld: /true|\bid\b/i.test(privacy),
    attestation: attestationOf(header('variable_sip_h_Identity') ?? header('variable_sip_identity'), header('variable_sip_verstat') ?? verstatOf(pai)),
    at,
    reject(how) {
      rejected ??= kill(uuid, how === 'busy' ? 'USER_BUSY' : 'CALL_REJECTED').catch(() => undefined);
      return rejected;
    },
  };
}
