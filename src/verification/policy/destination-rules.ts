import type { AbuseConfig, NumberTypeName } from '../../config/abuse-schema';
import type { ChannelName } from '../../config/schema';
import type { ErrorCode } from '../../lib/errors';
import type { PhoneNumberInfo } from '../numbers';
import { matchesAny } from './number-patterns';

/** A refusal decided without counters: where a verification may not go. */
export interface Refusal {
  code: ErrorCode;
  details?: Record<string, unknown>;
}

export type DestinationRules = Pick<AbuseConfig, 'refuseNumberTypes' | 'voice' | 'sms'>;

/** Channels that place calls (the `voice` lists apply to them). */
export function usesVoice(channels: ReadonlySet<ChannelName>): boolean {
  return channels.has('call') || channels.has('reverse') || channels.has('flash_call');
}

/**
 * Pure judgement of a destination: do-not-call list, number type, then the country and
 * number-range lists of every kind of channel the workflow uses (voice and SMS are separate).
 * Returns the first refusal, or undefined when the number may be served.
 */
export function judgeDestination(
  number: PhoneNumberInfo,
  channels: ReadonlySet<ChannelName>,
  rules: DestinationRules,
  onDoNotCallList: (e164: string) => boolean,
): Refusal | undefined {
  if (onDoNotCallList(number.e164)) return { code: 'NUMBER_DO_NOT_CALL' };
  const type: NumberTypeName = number.type ?? 'UNKNOWN';
  if (rules.refuseNumberTypes.includes(type)) return { code: 'NUMBER_TYPE_NOT_ALLOWED', details: { type } };
  // libphonenumber has no country for non-geographic numbers (+800, +881…): lists call them 001
  const country = number.country ?? '001';
  const kinds: Array<['voice' | 'sms', DestinationRules['voice']]> = [];
  if (usesVoice(channels)) kinds.push(['voice', rules.voice]);
  if (channels.has('sms')) kinds.push(['sms', rules.sms]);
  for (const [channel, lists] of kinds) {
    if (lists.allowCountries.length > 0 && !lists.allowCountries.includes(country)) {
      return { code: 'COUNTRY_NOT_ALLOWED', details: { country, channel } };
    }
    if (lists.denyCountries.includes(country)) return { code: 'COUNTRY_NOT_ALLOWED', details: { country, channel } };
    if (lists.allowPrefixes.length > 0 && !matchesAny(number.e164, lists.allowPrefixes)) {
      return { code: 'AREA_CODE_NOT_ALLOWED', details: { channel } };
    }
    if (matchesAny(number.e164, lists.denyPrefixes)) return { code: 'AREA_CODE_NOT_ALLOWED', details: { channel } };
  }
  return undefined;
}
