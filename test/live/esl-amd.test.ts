import { amdContract } from '../contract/pbx-amd';
import { corpusProblem, makeCorpus, runCorpus, summarize } from './amd-corpus-run';
import { livePbx } from './esl-support';
import { skippedUnless } from './live-settings';

/**
 * Answering-machine detection on a live FreeSWITCH (mod_avmd and the greeting-length rule): the AMD
 * contract against the qa callees amd-machine (+12025550120) and amd-human (+12025550121) of
 * dialplan/freeswitch/qa, then, with PBXVERIFY_LIVE_AMD_DIAL, the accuracy run over the generated
 * corpus (docs/amd.md).
 */
amdContract('freeswitch-esl on a live FreeSWITCH', async () => {
  const pbx = livePbx();
  await pbx.start();
  return { pbx, machine: '+12025550120', human: '+12025550121', lang: 'en', abortAfterMs: 1500, close: () => pbx.stop() };
}, 60_000);

const dial = process.env.PBXVERIFY_LIVE_AMD_DIAL;
const accuracy = skippedUnless('answering-machine detection accuracy on a live FreeSWITCH (generated corpus)', 'PBXVERIFY_LIVE_AMD_DIAL');
(accuracy.run ? describe : describe.skip)(accuracy.title, () => {
  it('gives every recording a verdict, and reports the accuracy', async () => {
    const problem = corpusProblem();
    if (problem) throw new Error(problem);
    const corpus = makeCorpus();
    const pbx = livePbx({ dialString: dial as string });
    await pbx.start();
    try {
      const { runs, file } = await runCorpus(pbx, 'freeswitch', corpus);
      process.stdout.write(`\nFreeSWITCH mod_avmd + wait_for_silence on the corpus (${file}):\n${summarize(runs)}\n`);
      expect(runs.filter((r) => r.verdict.result === 'no-verdict')).toEqual([]);
    } finally {
      await pbx.stop();
    }
  }, 600_000);
});
