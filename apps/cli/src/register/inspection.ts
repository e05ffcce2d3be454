import type { Command } from 'commander';
import type { DetectOptions } from '../commands/detect.ts';
import type { EventsOptions } from '../commands/events.ts';
import type { LogsOptions } from '../commands/logs.ts';
import type { ProbeOptions } from '../commands/probe.ts';
import { numberOption } from '../number-option.ts';
import { examples, type ProgramContext, WORKSPACE_HELP } from './context.ts';

function registerLogs(program: Command, { done }: ProgramContext): void {
  program
    .command('logs')
    .description("ComfyUI's output as kept by the supervisor")
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('-f, --follow', 'keep printing new output')
    .option(
      '-n, --lines <count>',
      'how many lines to show first',
      numberOption({ min: 0, max: 1_000_000, integer: true }),
      100,
    )
    .option('--supervisor', "the detached supervisor's own log (orchestrator.log) instead")
    .action(async (opts: LogsOptions) => done((await import('../commands/logs.ts')).logsCommand(opts)));
}

function registerEvents(program: Command, { done }: ProgramContext): void {
  program
    .command('events')
    .description('what the supervisor did: starts, exits, restarts and why, switches, syncs, give-ups')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('--since <duration>', 'only the last 30m, 1h, 2d, …')
    .option('--json', 'the events as JSON lines, as in events.jsonl')
    .option('-f, --follow', 'keep printing new events')
    .addHelpText(
      'after',
      examples(['comfyvisor events --since 12h', 'comfyvisor events -f --json | jq .type']),
    )
    .action(async (opts: EventsOptions) => done((await import('../commands/events.ts')).eventsCommand(opts)));
}

function registerDetect(program: Command, { done }: ProgramContext): void {
  program
    .command('detect')
    .description('what comfyvisor sees from here: workspace, managed or not, environments, supervisor')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('--json', 'machine-readable output')
    .action(async (opts: DetectOptions) => done((await import('../commands/detect.ts')).detectCommand(opts)));
}

function registerProbe(program: Command, { done }: ProgramContext): void {
  program
    .command('probe')
    .argument('<kind>', 'live (the supervisor answers) or ready (ComfyUI serves, no switch under way)')
    .description('exit 0 or 1 for exec probes (Kubernetes, scripts); one line of output')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option(
      '--timeout <ms>',
      'the whole probe must finish within this',
      numberOption({ min: 1, max: 3_600_000, integer: true }),
      3000,
    )
    .addHelpText('after', examples(['comfyvisor probe live', 'comfyvisor probe ready --timeout 5000']))
    .action(async (kind: string, opts: ProbeOptions) =>
      done((await import('../commands/probe.ts')).probeCommand(kind, opts)),
    );
}

/** logs, events, detect, probe: looking at a supervisor without steering it. */
export function register(program: Command, context: ProgramContext): void {
  registerLogs(program, context);
  registerEvents(program, context);
  registerDetect(program, context);
  registerProbe(program, context);
}
