// Issue 20: only the supervisor's own Unix user (and root) may use its control API; another local
// user gets 403, except for GET /health. Run as root, with a client switched to `nobody`.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startSupervised } from './helpers.ts';

const asNobody =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', [
    '--reuid',
    'nobody',
    '--regid',
    'nogroup',
    '--clear-groups',
    '/usr/bin/curl',
    '--version',
  ]).status === 0;

/** curl as `nobody` (or as ourselves): the status code it got. */
function curl(url: string, method: 'GET' | 'POST', as: 'nobody' | 'owner'): number {
  const prefix =
    as === 'nobody' ? ['setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'] : [];
  const [file, ...args] = [
    ...prefix,
    '/usr/bin/curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    method,
    url,
  ];
  const out = spawnSync(file as string, args, { encoding: 'utf8', timeout: 10_000 });
  return Number(out.stdout.trim());
}

describe.skipIf(!asNobody)('the control API serves only its owner', () => {
  it('another user gets 403 on /restart, /kill, /switch and /status; /health stays open; nothing is acted on', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(curl(`${run.controlUrl}/restart`, 'POST', 'nobody')).toBe(403);
    expect(curl(`${run.controlUrl}/kill`, 'POST', 'nobody')).toBe(403);
    expect(curl(`${run.controlUrl}/switch`, 'POST', 'nobody')).toBe(403);
    expect(curl(`${run.controlUrl}/status`, 'GET', 'nobody')).toBe(403);
    expect(curl(`${run.controlUrl}/health`, 'GET', 'nobody')).toBe(200);
    // the owner's restart goes through: the marker that nothing was acted on before it
    expect(curl(`${run.controlUrl}/restart`, 'POST', 'owner')).toBe(200);
    const second = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    const between = (await run.ws.events()).filter((e) => e.index > first.index && e.index < second.index);
    expect(between.filter((e) => e.event === 'sigterm')).toHaveLength(1);
    expect(run.sup.exitCode).toBeNull();
  });
});
