// @ts-check
/**
 * ESLint rule `pbxverify/no-outside-paths`: nothing in src/, test/, bench/ or scripts/ may point
 * outside the repository. It reports, in string literals, template literals and comments:
 *  - absolute file-system paths (a top-level folder of TOP, a home folder, a Windows drive),
 *    unless ALLOWED below;
 *  - relative paths that climb out of the repository (a literal resolved from the file's folder,
 *    or any climb to a `shared` folder beside it).
 * A file the tests need belongs in the repository (recorded PBX traffic: test/fixtures/).
 */
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');

/** Top-level folders of Linux and macOS file systems (the names only, so this file passes itself). */
const TOP = ['work', 'home', 'opt', 'root', 'Users', 'Volumes', 'private', 'usr', 'etc', 'var', 'tmp', 'srv', 'mnt', 'media', 'proc', 'sys', 'dev', 'run', 'boot', 'bin', 'sbin', 'lib', 'lib64', 'snap', 'nix'];
const SLASH = '/';
const ABSOLUTE = new RegExp(`(?<![\\w.~/@:-])(${SLASH}(?:${TOP.join('|')})(?:${SLASH}[^\\s'"\`),;]*)?)(?=$|[\\s'"\`),;:])`, 'g');
const HOME = /(?<![\w./-])(~\/[^\s'"`),;]*)/g;
const DRIVE = /(?<![\w])([A-Za-z]:\\[^\s'"`),;]*)/g;
const CLIMB = /((?:\.\.\/)+shared\b[^\s'"`),;]*)/g;

/**
 * Absolute paths that are not a developer's machine: well-known places on the host where the
 * software runs, identical on every machine. Each needs a reason.
 */
const ALLOWED = [
  { path: '/usr/share/freeswitch/sounds', why: "FreeSWITCH's packaged sounds folder on the FreeSWITCH host (default of freeswitch.soundsDir)" },
  { path: '/usr/bin/redis-server', why: "where Debian's redis-server package installs the server the tests start" },
  { path: '/usr/sbin/redis-server', why: 'the same, on systems that install it in sbin' },
  { path: '/var/lib/asterisk/sounds', why: "Asterisk's sounds folder (source builds), named in the prompts installer's help" },
  { path: '/usr/share/asterisk/sounds', why: "Asterisk's sounds folder in Debian and Ubuntu packages" },
  { path: '/usr/lib/postgresql', why: "Debian's versioned PostgreSQL server binaries, for tests that start their own PostgreSQL" },
  { path: '/usr/sbin/bearerbox', why: "where Debian's kannel package installs bearerbox, which the Kannel gateway tests start" },
  { path: '/usr/bin/chromium', why: "Debian's chromium package, the headless browser the console's browser tests drive through playwright-core" },
  { path: '/usr/sbin/smsbox', why: "where Debian's kannel package installs smsbox (Kannel gateway tests)" },
  { path: '/usr/lib/kannel/test', why: "Debian's kannel-extras test tools: fakesmsc, the SMSC of the Kannel gateway tests" },
  { path: '/proc', why: "Linux's per-process statistics (the benches read a process's CPU time)" },
  { path: '/dev/null', why: 'the null device' },
  { path: '/dev/tty', why: "the process's controlling terminal" },
  { path: '/dev/stderr', why: "the process's standard error (shell redirections in tests)" },
];

/** @param {string} p */
function allowed(p) {
  const clean = p.replace(/[.:]+$/, '');
  return ALLOWED.some((a) => clean === a.path || clean.startsWith(`${a.path}/`));
}

/**
 * The offending paths in a piece of text.
 * @param {string} text
 * @param {string} filename
 * @param {boolean} literal the whole text is one string value (relative paths are resolved)
 * @returns {string[]}
 */
function findOutsidePaths(text, filename, literal) {
  const found = [];
  for (const m of text.matchAll(ABSOLUTE)) if (!allowed(m[1] ?? '')) found.push(m[1] ?? '');
  for (const re of [HOME, DRIVE, CLIMB]) for (const m of text.matchAll(re)) found.push(m[1] ?? '');
  if (literal && /^\.\.?\//.test(text) && filename && path.isAbsolute(filename)) {
    const target = path.resolve(path.dirname(filename), text);
    if (target !== REPO && !target.startsWith(REPO + path.sep) && !found.includes(text)) found.push(text);
  }
  return found;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'no path that points outside the repository (absolute paths only from an allow-list with reasons)' },
    schema: [],
    messages: {
      outside:
        '"{{path}}" points outside the repository: keep what the code needs inside it (test data in test/fixtures/, found from __dirname), or, for a fixed place on the host the software runs on, add it with a reason to ALLOWED in scripts/lint/no-outside-paths.js',
    },
  },
  create(context) {
    const filename = context.filename;
    /** @param {import('estree').Node | import('estree').Comment} node @param {string} text @param {boolean} literal */
    const check = (node, text, literal) => {
      for (const p of findOutsidePaths(text, filename, literal)) context.report({ loc: /** @type {any} */ (node).loc, messageId: 'outside', data: { path: p } });
    };
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) if (comment.type !== 'Shebang') check(comment, comment.value, false);
      },
      Literal(node) {
        if (typeof node.value === 'string') check(node, node.value, true);
      },
      TemplateLiteral(node) {
        // A later part follows an expression: a slash there continues a path, it does not start one.
        node.quasis.forEach((q, i) => check(q, i === 0 ? (q.value.cooked ?? q.value.raw) : `x${q.value.cooked ?? q.value.raw}`, i === 0 && node.quasis.length === 1));
      },
    };
  },
};

module.exports = { rule, findOutsidePaths, ALLOWED, plugin: { rules: { 'no-outside-paths': rule } } };
