import { liveProblems } from './live-settings';

/** jest.live.config.js globalSetup: a live run with nothing (or something wrong) configured fails, saying what to set. */
export default function globalSetup(): void {
  const problems = liveProblems(process.env);
  if (problems.length) throw new Error(`npm run test:live cannot run:\n${problems.join('\n')}`);
}
