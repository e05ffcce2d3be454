import { describe, expect, it } from 'vitest';
import { type AvailabilityEvent, availability, restartsPerHour } from './availability.ts';
import { availabilitySvg, COLOURS, memorySvg, restartsSvg } from './history-svg.ts';

const T0 = 1_700_000_000;
const at = (minutes: number) => T0 + minutes * 60;

/** A day of one workspace: start, a crash and its restart, a hang, a switch, a stop. */
const DAY: AvailabilityEvent[] = [
  { type: 'supervisor_start', time: at(0), env: 'env1' },
  { type: 'comfyui_start', time: at(1), env: 'env1' },
  { type: 'comfyui_ready', time: at(2), env: 'env1' },
  { type: 'comfyui_exit', time: at(60), env: 'env1', meaning: 'crash', code: 1, signal: null },
  { type: 'restart', time: at(61), env: 'env1', reason: 'crash' },
  { type: 'comfyui_start', time: at(62), env: 'env1' },
  { type: 'comfyui_ready', time: at(63), env: 'env1' },
  { type: 'hung', time: at(120), env: 'env1' },
  { type: 'restart', time: at(125), env: 'env1', reason: 'hung' },
  { type: 'comfyui_exit', time: at(125), env: 'env1', meaning: 'restart', code: null, signal: 'SIGTERM' },
  { type: 'comfyui_start', time: at(126), env: 'env1' },
  { type: 'comfyui_ready', time: at(127), env: 'env1' },
  { type: 'switch_start', time: at(180), target: 'env2', source: 'env1' },
  { type: 'comfyui_exit', time: at(181), env: 'env1', meaning: 'switch', code: 43, signal: null },
  { type: 'comfyui_start', time: at(182), env: 'env2' },
  { type: 'comfyui_ready', time: at(184), env: 'env2' },
  { type: 'switch_end', time: at(185), target: 'env2', source: 'env1', outcome: 'complete' },
  { type: 'comfyui_exit', time: at(240), env: 'env2', meaning: 'stop', code: 0, signal: null },
  { type: 'supervisor_stop', time: at(241), reason: 'comfyui exited', exitCode: 0 },
];

const brief = (events: AvailabilityEvent[], from: number, to: number) =>
  availability(events, from, to).spans.map(
    (s) => `${s.env} ${s.state} ${(s.start - T0) / 60}-${(s.end - T0) / 60}`,
  );

describe('availability: the spans of the strip from events.jsonl', () => {
  it('running, down, switching and hung per environment; blank while another runs or nothing does', () => {
    expect(brief(DAY, at(0), at(300))).toEqual([
      'env1 down 0-1',
      'env1 switching 1-2',
      'env1 running 2-60',
      'env1 down 60-62',
      'env1 switching 62-63',
      'env1 running 63-120',
      'env1 hung 120-125',
      'env1 switching 125-127',
      'env1 running 127-180',
      'env1 switching 180-185',
      'env2 switching 180-185',
      'env2 running 185-240',
      'env2 down 240-241',
    ]);
    const chart = availability(DAY, at(0), at(300));
    expect(chart.environments).toEqual(['env1', 'env2']);
    expect(chart.ticks).toEqual([
      { env: 'env1', time: at(60), kind: 'crash', text: 'crashed (exit code 1)' },
    ]);
  });

  it('cuts spans at the window; a span still open runs to now; events after now are left out', () => {
    expect(brief(DAY, at(100), at(130))).toEqual([
      'env1 running 100-120',
      'env1 hung 120-125',
      'env1 switching 125-127',
      'env1 running 127-130',
    ]);
    expect(availability(DAY, at(100), at(130)).ticks).toEqual([]);
    expect(availability([], at(0), at(10))).toEqual({ environments: [], spans: [], ticks: [] });
  });

  it('counts restarts per hour by reason', () => {
    const bins = restartsPerHour(DAY, at(0), at(240));
    expect(bins.map((b) => b.count)).toEqual([0, 1, 1, 0]);
    expect(bins[2]?.reasons).toEqual({ hung: 1 });
  });
});

describe('history-svg: the pictures as SVG text', () => {
  const frame = { from: at(0), to: at(300), width: 800 };

  it('draws one band per environment, a coloured rect per span with its hover text, a tick per crash', () => {
    const svg = availabilitySvg(availability(DAY, frame.from, frame.to), frame, 'Availability <test>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>Availability &#60;test&#62;</title>');
    expect(svg.match(/class="span /g)).toHaveLength(13);
    for (const state of ['running', 'down', 'switching', 'hung'] as const)
      expect(svg).toContain(`data-state="${state}" `);
    expect(svg).toContain(`fill="${COLOURS.hung}"><title>env1: hung `);
    expect(svg).toMatch(
      /<line class="tick t-crash"[^>]*><title>env1 crashed \(exit code 1\) at \d\d:\d\d<\/title>/,
    );
    expect(svg).toMatch(/>env2<\/text>/);
    // every span inside the plot: x from 96 (after the labels) to 792
    for (const m of svg.matchAll(
      /class="span [^"]*" data-state="\w+" x="([\d.]+)" y="\d+" width="([\d.]+)"/g,
    )) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(96);
      expect(Number(m[1]) + Number(m[2])).toBeLessThanOrEqual(792.1);
    }
  });

  it('escapes names from the file; says so when nothing happened', () => {
    const evil = [{ type: 'comfyui_start', time: at(1), env: '<script>x</script>' }];
    const svg = availabilitySvg(availability(evil, frame.from, frame.to), frame, 't');
    expect(svg).not.toContain('<script>');
    expect(availabilitySvg(availability([], frame.from, frame.to), frame, 't')).toContain(
      'No events in this period.',
    );
  });

  it('draws restarts per hour as bars scaled to the busiest hour', () => {
    const svg = restartsSvg(restartsPerHour(DAY, at(0), at(240)), { from: at(0), to: at(240) });
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(4);
    expect(svg).toMatch(/data-count="1"[^>]*><title>\d\d:\d\d–\d\d:\d\d: 1 restart \(1 crash\)<\/title>/);
    expect(svg).toContain('max 1/h');
  });

  it('draws memory and GPU memory with the restart threshold; says when there is no data', () => {
    const GIB = 1024 ** 3;
    const samples = [0, 10, 20].map((m) => ({
      time: at(m),
      rssBytes: (2 + m / 10) * GIB,
      gpuBytes: null,
      rssLimitBytes: 6 * GIB,
      vramLimitBytes: null,
    }));
    const svg = memorySvg(samples, { from: at(0), to: at(60) });
    expect(svg.match(/<polyline class="line-rssBytes"[^>]*points="([^"]*)"/)?.[1]?.split(' ')).toHaveLength(
      3,
    );
    expect(svg).not.toContain('line-gpuBytes');
    expect(svg).toContain('<title>restart when memory (RSS) passes 6.00 GiB</title>');
    // the threshold is above the highest sample (smaller y)
    const limitY = Number(svg.match(/class="limit-rssBytes"[^>]*y1="([\d.]+)"/)?.[1]);
    const lastY = Number(svg.match(/points="[^"]* [\d.]+,([\d.]+)"/)?.[1]);
    expect(limitY).toBeLessThan(lastY);
    expect(memorySvg([], { from: at(0), to: at(60) })).toContain('No memory data');
  });

  it('draws spans narrower than a pixel together, in the worst of their states', () => {
    const week: AvailabilityEvent[] = [{ type: 'supervisor_start', time: at(0), env: 'env1' }];
    for (let m = 1; m < 7 * 24 * 60; m++) {
      week.push({ type: 'comfyui_start', time: at(m), env: 'env1' });
      week.push({ type: 'comfyui_ready', time: at(m + 0.2), env: 'env1' });
      if (m === 5000) week.push({ type: 'hung', time: at(m + 0.5), env: 'env1' });
    }
    const frame = { from: at(0), to: at(7 * 24 * 60) };
    const chart = availability(week, frame.from, frame.to);
    expect(chart.spans.length).toBeGreaterThan(20_000);
    const svg = availabilitySvg(chart, frame, 'a week');
    const rects = svg.match(/class="span /g) ?? [];
    expect(rects.length).toBeLessThan(700);
    expect(svg).toMatch(
      /data-state="hung"[^>]*><title>env1: \d+ changes \d\d:\d\d–\d\d:\d\d, the worst hung</,
    );
  });
});
