/**
 * How prompts map to files on a PBX. Packs install as `<sounds>/pbxverify/<lang>/<id>.wav`;
 * silences as `<sounds>/pbxverify/silence/<ms>.wav` for the parts below. Drivers that can
 * generate silence natively (FreeSWITCH `silence_stream://`) may use that instead; drivers that
 * cannot (ARI) play the parts. `prompts render` concatenates the same parts sample for sample.
 */

/**
 * Silence files every installation has, in ms: whole 20 ms frames each, so that no PBX pads one
 * (FreeSWITCH fills a file's last partial frame with silence). Any multiple of 20 up to 3160 ms
 * is a sum of them.
 */
export const SILENCE_PARTS: readonly number[] = [1600, 800, 400, 200, 100, 40, 20];

/** Splits a pause into silence parts (rounded to the nearest 20 ms, at least one part for ms ≥ 10). */
export function silenceParts(ms: number): number[] {
  let left = Math.round(ms / 20) * 20;
  const parts: number[] = [];
  while (left >= 20) {
    const part = SILENCE_PARTS.find((p) => p <= left) as number;
    parts.push(part);
    left -= part;
  }
  return parts;
}

/** Path of a prompt relative to the sounds root, without extension: `pbxverify/de/digit-4`. */
export function promptPath(lang: string, id: string): string {
  if (!/^[a-z]{2,3}(-(?:[A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$/.test(lang) || !/^[a-z0-9-]+$/.test(id)) {
    throw new RangeError('promptPath() takes a pack language and a prompt id');
  }
  return `pbxverify/${lang}/${id}`;
}

/** Path of a silence part relative to the sounds root, without extension: `pbxverify/silence/400`. */
export function silencePath(part: number): string {
  if (!SILENCE_PARTS.includes(part)) throw new RangeError(`no silence part of ${part} ms`);
  return `pbxverify/silence/${part}`;
}

/** One file a PBX plays: a prompt of a pack or a silence part, as a path relative to the sounds root. */
export type MediaFile = { kind: 'prompt'; lang: string; id: string; path: string } | { kind: 'silence'; ms: number; path: string };

/**
 * The files a list of play items becomes, in order: each prompt is `pbxverify/<lang>/<id>`,
 * each pause the silence parts that sum to it. Drivers that play files (ARI `sound:` URIs) and
 * `prompts render` both use this, so what is rendered is what is played.
 */
export function mediaFiles(lang: string, items: ReadonlyArray<{ prompt: string } | { silenceMs: number }>): MediaFile[] {
  return items.flatMap((item): MediaFile[] =>
    'prompt' in item
      ? [{ kind: 'prompt', lang, id: item.prompt, path: promptPath(lang, item.prompt) }]
      : silenceParts(item.silenceMs).map((ms) => ({ kind: 'silence', ms, path: silencePath(ms) })),
  );
}
