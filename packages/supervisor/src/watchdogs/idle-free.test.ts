import { describe, expect, it } from 'vitest';
import { createIdleFree, FREE_REQUEST_BODY } from './idle-free.ts';

const IDLE = { running: 0, pending: 0 };
const RUNNING = { running: 1, pending: 0 };

function machine(idleMs = 300_000) {
  const clock = { t: 0 };
  return { clock, idle: createIdleFree({ idleMs, now: () => clock.t }) };
}

describe('idle /free', () => {
  it('asks with both unload_models and free_memory', () => {
    expect(FREE_REQUEST_BODY).toEqual({ unload_models: true, free_memory: true });
  });

  it('is due once per idle spell, idle_free_s after the queue emptied', () => {
    const { clock, idle } = machine();
    idle.observe(RUNNING);
    clock.t = 60_000;
    idle.observe(IDLE);
    expect(idle.dueAt()).toBe(360_000);
    clock.t = 359_999;
    expect(idle.due()).toBe(false);
    clock.t = 360_000;
    expect(idle.due()).toBe(true);
    for (const t of [360_001, 700_000, 10_000_000]) {
      clock.t = t;
      idle.observe(IDLE);
      expect(idle.due()).toBe(false);
    }
    expect(idle.dueAt()).toBeNull();
  });

  it('again only after the next prompt, counting from when that one ended', () => {
    const { clock, idle } = machine(1000);
    idle.observe(RUNNING);
    idle.observe(IDLE);
    clock.t = 1000;
    expect(idle.due()).toBe(true);
    clock.t = 5000;
    idle.observe({ running: 0, pending: 1 });
    clock.t = 9000;
    idle.observe(IDLE);
    clock.t = 9999;
    expect(idle.due()).toBe(false);
    clock.t = 10_000;
    expect(idle.due()).toBe(true);
  });

  it('never while a prompt runs or waits, however long', () => {
    const { clock, idle } = machine(1000);
    idle.observe(IDLE);
    idle.observe(RUNNING);
    for (clock.t = 0; clock.t < 100_000; clock.t += 500) {
      idle.observe(clock.t % 1000 ? RUNNING : { running: 0, pending: 3 });
      expect(idle.due()).toBe(false);
    }
  });

  it('a fresh ComfyUI, or one after reset, has nothing loaded: nothing is due until a prompt ran', () => {
    const { clock, idle } = machine(1000);
    idle.observe(IDLE);
    clock.t = 100_000;
    expect(idle.due()).toBe(false);
    idle.observe(RUNNING);
    idle.reset(); // ComfyUI restarted mid-prompt
    idle.observe(IDLE);
    clock.t = 200_000;
    expect(idle.due()).toBe(false);
  });

  it('idle_free_s 0 is off', () => {
    const { clock, idle } = machine(0);
    idle.observe(RUNNING);
    idle.observe(IDLE);
    clock.t = 10 ** 9;
    expect(idle.due()).toBe(false);
    expect(idle.dueAt()).toBeNull();
  });
});
