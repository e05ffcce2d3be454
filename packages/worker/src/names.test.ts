import { describe, expect, it } from 'vitest';
import { environmentNameFor, newApiKey, newInstanceId, pythonUtcIso } from './names.ts';

const fixed = (bytes: number) => 'ab'.repeat(bytes);
const day = new Date('2026-12-05T23:59:59.123Z');

describe('ids and names as the reference makes them', () => {
  it('instance ids are inst_ + 8 hex; keys cg_wk_ + 32 hex', () => {
    expect(newInstanceId(fixed)).toBe('inst_abababab');
    expect(newInstanceId()).toMatch(/^inst_[0-9a-f]{8}$/);
    expect(newApiKey()).toMatch(/^cg_wk_[0-9a-f]{32}$/);
  });

  it.each([
    ['My Flux!!', 'deploy-my-flux-20261205-abab'],
    ['  --weird__Name..  ', 'deploy-weird-name-20261205-abab'],
    ['', 'deploy-unnamed-20261205-abab'],
    [null, 'deploy-unnamed-20261205-abab'],
    ['ÄÖÜ', 'deploy-unnamed-20261205-abab'],
    ['x'.repeat(40), `deploy-${'x'.repeat(32)}-20261205-abab`],
  ])('%j -> %s', (name, expected) => {
    expect(environmentNameFor(name, day, fixed)).toBe(expected);
  });

  it('created_at looks like Python isoformat with +00:00', () => {
    expect(pythonUtcIso(day)).toBe('2026-12-05T23:59:59.123000+00:00');
  });
});
