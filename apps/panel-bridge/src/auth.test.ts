import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';
import { bearerOf, sameSecret, sessionValue } from './auth-credentials.ts';
import { createFailureLimiter } from './auth-limiter.ts';
import { loadLoginToken } from './auth-token.ts';
import type { requestSwitch } from './request-switch.ts';

const TOKEN = 'unit-token-0123456789abcdef';
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function workspace(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'comfyvisor-bridge-auth-')));
  roots.push(root);
  mkdirSync(join(root, '.metadata'));
  for (const env of ['env1', 'env2']) mkdirSync(join(root, 'environments', env, '.cec'), { recursive: true });
  return root;
}
const local = { host: '127.0.0.1:8000' };
const bearer = { ...local, authorization: `Bearer ${TOKEN}` };

function appWithLogin(extra: Partial<Parameters<typeof createBridgeApp>[0]> = {}) {
  const asked: string[] = [];
  const ask: typeof requestSwitch = async (o) => {
    asked.push(o.target);
    return {
      status: 'switching',
      next: 'none',
      spawned: null,
      workspace: o.workspace ?? '',
      target: o.target,
      source: null,
    };
  };
  return {
    app: createBridgeApp({ workspace: workspace(), token: TOKEN, requestSwitch: ask, ...extra }),
    asked,
  };
}

describe('login', () => {
  it('without the token: 401 as JSON for the API, the HTML login page for the page, and nothing acted on', async () => {
    const { app, asked } = appWithLogin();
    const api = await app.request('/v2/comfygit/switch_status', { headers: local });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthorized' });
    const page = await app.request('/', { headers: { ...local, accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<form method="post" action="login">');
    const post = await app.request('/api/v2/comfygit/switch_environment', {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: JSON.stringify({ target_env: 'env2' }),
    });
    expect(post.status).toBe(401);
    // the same request with the token is acted on: the refusal above was the login, nothing else
    const right = await app.request('/api/v2/comfygit/switch_environment', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ target_env: 'env2' }),
    });
    expect(right.status).toBe(200);
    expect(asked).toEqual(['env2']);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie (login link or form) that is not the token', async () => {
    const { app } = appWithLogin();
    const link = await app.request(`/?token=${TOKEN}`, { headers: local });
    expect(link.status).toBe(200);
    const cookie = link.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^comfyvisor_bridge=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookie).not.toContain(TOKEN);
    const pair = cookie.split(';')[0] as string;
    expect(
      (await app.request('/v2/comfygit/switch_status', { headers: { ...local, cookie: pair } })).status,
    ).toBe(200);
    const form = await app.request('/login', {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('./');
    expect(form.headers.get('set-cookie')?.split(';')[0]).toBe(pair);
    const wrongCookie = await app.request('/v2/comfygit/switch_status', {
      headers: { ...local, cookie: 'comfyvisor_bridge=forged' },
    });
    expect(wrongCookie.status).toBe(401);
  });

  it('answers 429 after repeated wrong tokens, even to the right one, until the wait is over', async () => {
    const { app } = appWithLogin();
    const attempt = (token: string) =>
      app.request('/v2/comfygit/switch_status', { headers: { ...local, authorization: `Bearer ${token}` } });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const blocked = await attempt(TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ error: 'too_many_attempts' });

    let now = 1_000_000;
    const limiter = createFailureLimiter({ maxFailures: 2, blockMs: 1_000, now: () => now });
    limiter.fail('a');
    expect(limiter.waitMs('a')).toBe(0);
    limiter.fail('a');
    expect(limiter.waitMs('a')).toBe(1_000);
    limiter.fail('a');
    expect(limiter.waitMs('a')).toBe(2_000); // doubled
    expect(limiter.waitMs('b')).toBe(0);
    now += 2_000;
    expect(limiter.waitMs('a')).toBe(0);
    limiter.succeed('a');
    limiter.fail('a');
    expect(limiter.waitMs('a')).toBe(0);
  });

  it('compares in constant time on hashes, and reads Bearer strictly', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
    expect(bearerOf('Bearer xyz')).toBe('xyz');
    expect(bearerOf('bearer  xyz ')).toBe('xyz');
    expect(bearerOf('Basic xyz')).toBeNull();
    expect(bearerOf('Bearer a b')).toBeNull();
    expect(sessionValue('one')).not.toBe(sessionValue('two'));
  });
});

describe('behind a proxy', () => {
  it('lives under --base-path: the page, the API and the cookie are there; the bare path goes to its slash', async () => {
    const { app } = appWithLogin({ basePath: '/cv/' });
    const page = await app.request(`/cv/?token=${TOKEN}`, { headers: local });
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toContain('Path=/cv/;');
    const html = await page.text();
    // every URL of the page is relative: no src/href/action/fetch to an absolute path
    expect(html).not.toMatch(/(src|href|action)="\//);
    expect(html).not.toMatch(/["'`]\/v2\//);
    const bare = await app.request('/cv?x=1', { headers: local });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('cv/?x=1');
    expect((await app.request('/cv/v2/comfygit/switch_status', { headers: bearer })).status).toBe(200);
    expect((await app.request('/v2/comfygit/switch_status', { headers: bearer })).status).toBe(200);
  });

  it('answers --allow-host names on any port, checks Origins against them, and keeps loopback names', async () => {
    const { app } = appWithLogin({ publicHosts: ['Box.Example'] });
    const get = (headers: Record<string, string>) =>
      app.request('/v2/comfygit/switch_status', {
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      });
    expect((await get({ host: 'box.example:8443' })).status).toBe(200);
    expect((await get({ host: 'box.example' })).status).toBe(200);
    expect((await get({ host: '127.0.0.1:8190' })).status).toBe(200);
    expect((await get({ host: 'evil.example' })).status).toBe(403);
    expect((await get({ host: '127.0.0.1:8190', origin: 'https://box.example:8443' })).status).toBe(200);
    expect((await get({ host: 'box.example', origin: 'https://evil.example' })).status).toBe(403);
    // a page of another local server is no more welcome than before
    expect((await get({ host: '127.0.0.1:8190', origin: 'http://127.0.0.1:3000' })).status).toBe(403);
  });

  it('takes X-Forwarded-Prefix only from a trusted proxy on loopback', async () => {
    const { app } = appWithLogin({ trustProxy: true });
    const fromPeer = (address: string) =>
      app.fetch(
        new Request(`http://127.0.0.1:8190/?token=${TOKEN}`, {
          headers: { ...local, 'x-forwarded-prefix': '/px', 'x-forwarded-proto': 'https' },
        }),
        { incoming: { socket: { remoteAddress: address } } },
      );
    const trusted = (await fromPeer('::ffff:127.0.0.1')).headers.get('set-cookie') ?? '';
    expect(trusted).toContain('Path=/px/;');
    expect(trusted).toMatch(/; Secure$/);
    const untrusted = (await fromPeer('192.0.2.7')).headers.get('set-cookie') ?? '';
    expect(untrusted).toContain('Path=/;');
    expect(untrusted).not.toContain('Secure');
  });
});

describe('the login token', () => {
  it('is made once under .metadata with mode 0600, read back the next time, and refused when others may read it', async () => {
    const ws = workspace();
    const made = await loadLoginToken({ workspace: ws, env: {} });
    expect(made.source).toBe('made');
    expect(made.token).toMatch(/^[\w-]{43}$/);
    const path = join(ws, '.metadata', '.bridge_token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await loadLoginToken({ workspace: ws, env: {} })).toEqual({
      token: made.token,
      source: 'stored',
      path,
    });
    chmodSync(path, 0o644);
    await expect(loadLoginToken({ workspace: ws, env: {} })).rejects.toThrow(/mode 644\): chmod 600 it/);
  });

  it('comes from --token-file (whitespace stripped) or the environment first', async () => {
    const ws = workspace();
    const file = join(ws, 'token.txt');
    writeFileSync(file, '  file-token-123456789 \n\n');
    expect(await loadLoginToken({ workspace: ws, tokenFile: file, env: {} })).toMatchObject({
      token: 'file-token-123456789',
      source: 'file',
    });
    expect(
      await loadLoginToken({ workspace: ws, env: { COMFYVISOR_BRIDGE_TOKEN: ' env-token-123456789\n' } }),
    ).toEqual({ token: 'env-token-123456789', source: 'env' });
    writeFileSync(file, ' \n');
    await expect(loadLoginToken({ workspace: ws, tokenFile: file })).rejects.toThrow(/token\.txt is empty$/);
    await expect(loadLoginToken({ workspace: ws, tokenFile: join(ws, 'none') })).rejects.toThrow(
      /cannot be read \(ENOENT\)/,
    );
    await expect(loadLoginToken({ workspace: ws, tokenFile: ws })).rejects.toThrow(/is not a regular file/);
  });
});
