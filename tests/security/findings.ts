import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../../.fuzz-findings.md', import.meta.url));

/**
 * Writes one suite's section of `.fuzz-findings.md` at the repository root (not committed: the list of
 * holes a run found, for routing), keeping the other suite's section as it was.
 */
export function writeFindings(section: 'fuzz' | 'jurisdiction matrix', lines: string[]): void {
  const begin = `<!-- ${section} -->`;
  const end = `<!-- /${section} -->`;
  const block = [begin, `## ${section} (${new Date().toISOString()})`, '', ...lines, end].join('\n');
  const old = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Security findings\n';
  const at = old.indexOf(begin);
  const until = old.indexOf(end);
  const next =
    at >= 0 && until > at
      ? `${old.slice(0, at)}${block}${old.slice(until + end.length)}`
      : `${old.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, next);
}

/** Text safe to print: control characters and lone surrogates escaped (requests carry them on purpose). */
export const printable = (text: string) =>
  [...text]
    .map((c) => {
      const code = c.codePointAt(0) ?? 0;
      const unsafe = code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff);
      return unsafe ? `\\u${code.toString(16).padStart(4, '0')}` : c;
    })
    .join('');

/** A finding's detail with ids, codes and numbers made alike, so one hole counts once. */
export const normalise = (detail: string) =>
  detail
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b(BLG01|MON29)\b/g, '<municipality>')
    .replace(/\d{5,}/g, 'N');
