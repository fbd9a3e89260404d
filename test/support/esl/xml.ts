/** A minimal XML well-formedness check for the FreeSWITCH configuration files (no XML library in the project). */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const body = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?xml[^>]*\?>/, '');
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  for (const m of body.matchAll(tag)) {
    const [, closing, name, , selfClosing] = m as unknown as [string, string, string, string, string];
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!selfClosing) stack.push(name);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  const stray = body.replace(tag, '').match(/[<>]/g);
  if (stray) problems.push(`stray ${stray.join('')}`);
  return problems;
}
