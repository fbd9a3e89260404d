/**
 * STIR/SHAKEN as a PBX passes it on an inbound call, read by the drivers: the `verstat` parameter
 * of P-Asserted-Identity (or the From URI), set by the verifying network or PBX, and the
 * attestation level `attest` claimed in the PASSporT of the Identity header. The engine trusts
 * the level only when the verification passed (or when the PBX gave no verdict but forwarded the
 * Identity header it verified itself, as Asterisk's res_stir_shaken does before the dialplan).
 */
export type Attestation = 'A' | 'B' | 'C' | 'failed';

export function attestationOf(identity: string | undefined, verstat: string | undefined): Attestation | undefined {
  const verdict = verstat?.trim();
  if (verdict !== undefined && verdict !== '') {
    if (/^TN-Validation-Failed/i.test(verdict)) return 'failed';
    if (/^No-TN-Validation/i.test(verdict)) return undefined;
    const suffix = /^TN-Validation-Passed-([ABC])$/i.exec(verdict);
    if (suffix) return (suffix[1] as string).toUpperCase() as Attestation;
    if (!/^TN-Validation-Passed$/i.test(verdict)) return undefined;
  }
  return claimedLevel(identity);
}

/** `verstat=…` out of a P-Asserted-Identity or From header value. */
export function verstatOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /[;?&]verstat=([A-Za-z-]+)/i.exec(header)?.[1];
}

/** The `attest` claim of the PASSporT (the JWT before the first `;` of the Identity header). */
function claimedLevel(identity: string | undefined): Attestation | undefined {
  const jwt = identity?.trim().split(';')[0];
  const payload = jwt?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { attest?: unknown };
    return claims.attest === 'A' || claims.attest === 'B' || claims.attest === 'C' ? claims.attest : undefined;
  } catch {
    return undefined;
  }
}
