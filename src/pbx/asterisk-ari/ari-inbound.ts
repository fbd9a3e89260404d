import type { InboundCall } from '../port';
import { attestationOf, verstatOf } from '../stir-shaken';
import type { AriRest } from './ari-rest';
import type { AriChannel } from './wire';

/**
 * A call to a missed-call DID entering Stasis through `[pbxverify-inbound]` (dialplan/asterisk):
 * `Stasis(<app>,inbound,${EXTEN},${CALLERID(pres)},${PJSIP_HEADER(read,Identity)},${PJSIP_HEADER(read,P-Asserted-Identity)})`.
 * The caller number is the channel's `caller.number` (recording pjsip-inbound-sipp-uac: `sipp`
 * when the From user is not a number). Rejected unanswered with `DELETE /channels/{id}?reason=`
 * `busy` (cause 17, 486 Busy Here) or `rejected` (cause 21, 603 Decline).
 */
export function ariInboundCall(channel: AriChannel, args: readonly string[], rest: AriRest, at: number, timeoutMs: number): InboundCall {
  const [, exten = '', pres = '', identity, pai] = args;
  let rejected: Promise<void> | undefined;
  return {
    id: channel.id,
    did: exten,
    from: channel.caller?.number ?? '',
    withheld: /^prohib/i.test(pres),
    attestation: attestationOf(identity || undefined, verstatOf(pai || undefined)),
    at,
    reject(how) {
      rejected ??= rest.hangup(channel.id, { timeoutMs, reason: how === 'busy' ? 'busy' : 'rejected' }).then(
        () => undefined,
        () => undefined,
      );
      return rejected;
    },
  };
}
