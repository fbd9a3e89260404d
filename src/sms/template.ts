/**
 * SMS text rendering. `{code}`, `{brand}` and `{app_hash}` (an Android SMS Retriever hash) in a
 * template; nothing else is interpreted. Rendered before encoding, so the segmenter knows where
 * the code is and keeps it inside one part.
 */

export interface TemplateValues {
  code: string;
  brand: string;
  appHash?: string | undefined;
}

export interface RenderedText {
  text: string;
  /** UTF-16 ranges `[start, end)` of every occurrence of the code in `text`. */
  codeRanges: Array<[number, number]>;
}

export function renderSmsText(template: string, values: TemplateValues): RenderedText {
  const codeRanges: Array<[number, number]> = [];
  let text = '';
  let last = 0;
  for (const match of template.matchAll(/\{(code|brand|app_hash)\}/g)) {
    text += template.slice(last, match.index);
    const name = match[1] as 'code' | 'brand' | 'app_hash';
    const value = name === 'code' ? values.code : name === 'brand' ? values.brand : (values.appHash ?? '');
    if (name === 'code') codeRanges.push([text.length, text.length + value.length]);
    text += value;
    last = match.index + match[0].length;
  }
  text += template.slice(last);
  return { text, codeRanges };
}
