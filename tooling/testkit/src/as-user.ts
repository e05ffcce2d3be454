import { spawnSync } from 'node:child_process';

const NOBODY = ['setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];

/** Whether this test process can run a client as another user (`nobody`): root with setpriv and curl. */
export const canCurlAsNobody: boolean =
  process.getuid?.() === 0 &&
  spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), '/usr/bin/curl', '--version']).status === 0;

/** curl as `nobody` or as ourselves (the owner): the HTTP status it got (0 when none). */
export function curlStatus(
  url: string,
  method: 'GET' | 'POST',
  as: 'nobody' | 'owner',
  body?: string,
): number {
  const [file, ...args] = [
    ...(as === 'nobody' ? NOBODY : []),
    '/usr/bin/curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    method,
    ...(body ? ['-H', 'content-type: application/json', '--data', body] : []),
    url,
  ];
  return Number(spawnSync(file as string, args, { encoding: 'utf8', timeout: 10_000 }).stdout.trim());
}
