import { returnCodeFor } from '../../../src/api/compat/calledin';
import { vonageStatus, type VonageEndpoint } from '../../../src/api/compat/vonage';
import { AppError, ERRORS, type ErrorCode } from '../../../src/lib/errors';

const ALL = Object.keys(ERRORS) as ErrorCode[];

describe("compat adapters map every error code to their service's own codes", () => {
  it('called.in: every refusal is one of the return codes 1–8', () => {
    for (const code of ALL) expect([1, 2, 3, 4, 5, 6, 7, 8]).toContain(returnCodeFor(new AppError(code)));
    expect(returnCodeFor(new AppError('AUTH_INVALID'))).toBe(1);
    expect(returnCodeFor(new AppError('QUOTA_EXCEEDED'))).toBe(2);
    expect(returnCodeFor(new AppError('NUMBER_DO_NOT_CALL'))).toBe(3);
    expect(returnCodeFor(new AppError('INTERNAL'))).toBe(4);
    expect(returnCodeFor(new AppError('KEY_DISABLED'))).toBe(5);
    expect(returnCodeFor(new AppError('NUMBER_FLOOD'))).toBe(6);
    expect(returnCodeFor(new AppError('AREA_CODE_NOT_ALLOWED'))).toBe(7);
    expect(returnCodeFor(new AppError('NUMBER_INVALID', { details: { field: 'country_code' } }))).toBe(8);
    expect(returnCodeFor(new AppError('COUNTRY_NOT_ALLOWED'))).toBe(8);
  });

  it("Vonage: every refusal is one of the statuses Vonage documents for that endpoint", () => {
    const documented: Record<VonageEndpoint, number[]> = {
      request: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20],
      check: [1, 2, 3, 4, 5, 6, 16, 17],
      control: [1, 2, 3, 4, 5, 6, 8, 9, 19],
      search: [1, 2, 3, 4, 5, 101],
    };
    for (const endpoint of Object.keys(documented) as Array<VonageEndpoint>) {
      for (const code of ALL) expect(documented[endpoint]).toContain(vonageStatus(new AppError(code), endpoint));
    }
    expect(vonageStatus(new AppError('PBX_UNAVAILABLE'), 'request')).toBe(5);
    expect(vonageStatus(new AppError('STORE_UNAVAILABLE'), 'check')).toBe(5);
    expect(vonageStatus(new AppError('REQUEST_INVALID', { details: { field: 'number', missing: true } }), 'request')).toBe(2);
    expect(vonageStatus(new AppError('REQUEST_INVALID', { details: { field: 'number' } }), 'request')).toBe(3);
  });
});
