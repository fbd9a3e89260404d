import { finalExpiry, planSteps, PRESET_WORKFLOWS } from '../../src/verification/workflows';
import { groupDigits, sayDigits } from '../../src/prompts/sequence';

describe('workflow plans', () => {
  it('follows seed 003: SMS, a call with the same code at 2 min valid 3 more, a new code at 5 min valid 5', () => {
    const plans = planSteps(PRESET_WORKFLOWS['sms-call-call']!, 0, 0, 600);
    expect(plans).toEqual([
      { at: 0, codeExpiresAt: 120_000 },
      { at: 120_000, codeExpiresAt: 300_000 },
      { at: 300_000, codeExpiresAt: 600_000 },
    ]);
    expect(finalExpiry(plans, 0)).toBe(600_000);
  });

  it("follows Vonage's default timing for sms-tts-tts (125 s, then 180 s, then 300 s)", () => {
    const plans = planSteps(PRESET_WORKFLOWS['sms-tts-tts']!, 0, 0, 600);
    expect(plans.map((p) => p.at)).toEqual([0, 125_000, 305_000]);
    expect(finalExpiry(plans, 0)).toBe(605_000);
  });

  it('uses the request expiry for steps without their own validity', () => {
    expect(planSteps(PRESET_WORKFLOWS.call!, 0, 1000, 300)).toEqual([{ at: 1000, codeExpiresAt: 301_000 }]);
  });
});

describe('digit grouping', () => {
  it.each([
    ['1234', ['1234']],
    ['482913', ['482', '913']],
    ['1234567', ['123', '4567']],
    ['12345678', ['1234', '5678']],
    ['1234567890', ['123', '456', '7890']],
    // Threes, the remainder as trailing fours: never a group of one or two (issue 3).
    ['12345678901234567890', ['123', '456', '789', '012', '3456', '7890']],
  ])('groups %s', (code, groups) => {
    expect(groupDigits(code)).toEqual(groups);
  });

  it('says every digit once, with pauses between', () => {
    const items = sayDigits('4829');
    expect(items.filter((i) => 'prompt' in i)).toEqual([{ prompt: 'digit-4' }, { prompt: 'digit-8' }, { prompt: 'digit-2' }, { prompt: 'digit-9' }]);
    expect(() => sayDigits('12a')).toThrow(RangeError);
  });
});
