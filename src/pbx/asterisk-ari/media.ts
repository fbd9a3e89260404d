import { promptPath, silencePath, silenceParts } from '../../prompts/media';
import type { PlayItem } from '../port';

/**
 * ARI media URIs for play items: prompts as `sound:pbxverify/<lang>/<id>`, pauses as the
 * installed silence parts (ARI has no silence generator), e.g. 450 ms →
 * `sound:pbxverify/silence/400`, `sound:pbxverify/silence/50`.
 * promptPath() validates the language and id, so nothing else reaches the media string.
 */
export function mediaFor(items: readonly PlayItem[], lang: string): string[] {
  return items.flatMap((item) =>
    'prompt' in item ? [`sound:${promptPath(lang, item.prompt)}`] : silenceParts(item.silenceMs).map((part) => `sound:${silencePath(part)}`),
  );
}
