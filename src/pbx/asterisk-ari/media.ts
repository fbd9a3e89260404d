import { mediaFiles } from '../../prompts/media';
import type { PlayItem } from '../port';

/**
 * ARI media URIs for play items: prompts as `sound:pbxverify/<lang>/<id>`, pauses as the
 * installed silence parts (ARI has no silence generator), e.g. 460 ms →
 * `sound:pbxverify/silence/400`, `sound:pbxverify/silence/40`, `sound:pbxverify/silence/20`. The same file list
 * `prompts render` concatenates; mediaFiles() validates the language and ids, so nothing else
 * reaches the media string.
 */
export function mediaFor(items: readonly PlayItem[], lang: string): string[] {
  return mediaFiles(lang, items).map((file) => `sound:${file.path}`);
}
