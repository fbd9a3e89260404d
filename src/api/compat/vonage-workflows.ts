import type { ChannelName } from '../../config/schema';
import type { WorkflowStep } from '../../verification/model';

/**
 * Vonage Verify v1 workflows (workflow_id 1–7) as engine steps, with Vonage's timing rules
 * (developer.vonage.com "Workflows and Events", "Change the Event Timings"):
 * - each workflow is a list of SMS / TTS events and the waits after each (the last wait is how
 *   long the request stays open after the last event);
 * - `next_event_wait` (60–900 s) replaces every wait;
 * - `pin_expiry` (60–3600 s, default 300) is how long a PIN lives from when it was generated;
 *   an event says the current PIN while it lives and generates a new one once it has expired
 *   (pin_expiry 360 / wait 120: one PIN for all three events of workflow 1; 240 / 120: the third
 *   event gets a new PIN; 120 / 120: every event does);
 * - given both, pin_expiry must be a multiple of next_event_wait, else it becomes next_event_wait.
 * TTS is pbxverify's `call` channel.
 */
const WORKFLOWS: Readonly<Record<number, { channels: readonly ChannelName[]; waits: readonly number[] }>> = {
  1: { channels: ['sms', 'call', 'call'], waits: [125, 180, 300] },
  2: { channels: ['sms', 'sms', 'call'], waits: [125, 180, 300] },
  3: { channels: ['call', 'call'], waits: [300, 300] },
  4: { channels: ['sms', 'sms'], waits: [300, 300] },
  5: { channels: ['sms', 'call'], waits: [300, 300] },
  6: { channels: ['sms'], waits: [300] },
  7: { channels: ['call'], waits: [300] },
};

export const DEFAULT_PIN_EXPIRY = 300;

export interface VonagePlan {
  /** Engine label of the workflow (`vonage-1`…). */
  name: string;
  steps: WorkflowStep[];
  /** The code lifetime (engine `codeLifetimeSeconds`). */
  pinExpiry: number;
}

export function vonagePlan(workflowId: number, timings: { pinExpiry?: number | undefined; nextEventWait?: number | undefined }): VonagePlan {
  const workflow = WORKFLOWS[workflowId];
  if (!workflow) throw new RangeError(`no Vonage workflow ${workflowId}`);
  const { pinExpiry, nextEventWait } = timings;
  const waits = workflow.waits.map((w) => nextEventWait ?? w);
  const lifetime =
    pinExpiry !== undefined && nextEventWait !== undefined && pinExpiry % nextEventWait !== 0 ? nextEventWait : (pinExpiry ?? DEFAULT_PIN_EXPIRY);
  const steps = workflow.channels.map(
    (channel, i): WorkflowStep => ({
      channel,
      waitSeconds: i === 0 ? 0 : (waits[i - 1] as number),
      code: i === 0 ? 'new' : 'same',
      // with a code lifetime, a step's validity is how long the request stays open after it
      validitySeconds: waits[i],
    }),
  );
  return { name: `vonage-${workflowId}`, steps, pinExpiry: lifetime };
}
