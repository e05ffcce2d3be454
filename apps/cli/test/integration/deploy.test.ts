import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '@comfyvisor/ipc-files';
import { freePort } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { stopTimeoutS } from '../../src/service-units.ts';
import { cli, opsWorkspace, runSupervised } from './helpers.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', '..', '..', 'deploy');
const K8S = join(DEPLOY, 'kubernetes');

function load(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
  for (const doc of docs) expect(doc.errors, file).toEqual([]);
  return docs.map((doc) => doc.toJS());
}

function manifests(): any[] {
  return readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap(load);
}

describe('deploy/ (Kubernetes manifests and Dockerfile)', () => {
  it('every manifest parses; kustomization lists each of them', () => {
    const [kustomization] = load('kustomization.yaml');
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(
      manifests()
        .map((m) => m.kind)
        .sort(),
    ).toEqual(['Deployment', 'PersistentVolumeClaim', 'Service']);
  });

  it('the Deployment: exec probes through comfyvisor probe, a grace above the stop timeout, its volume and Service', () => {
    const all = manifests();
    const deployment = all.find((m) => m.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.startupProbe.exec.command.slice(0, 3)).toEqual(['comfyvisor', 'probe', 'live']);
    expect(container.livenessProbe.exec.command.slice(0, 3)).toEqual(['comfyvisor', 'probe', 'live']);
    expect(container.readinessProbe.exec.command.slice(0, 3)).toEqual(['comfyvisor', 'probe', 'ready']);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      const command: string[] = probe.exec.command;
      const timeoutMs = Number(command[command.indexOf('--timeout') + 1]);
      expect(timeoutMs).toBeLessThan(probe.timeoutSeconds * 1000);
    }
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
      stopTimeoutS(DEFAULT_CONFIG.orchestrator.stopGraceS),
    );
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);

    const claim = pod.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    expect(all.find((m) => m.kind === 'PersistentVolumeClaim').metadata.name).toBe(claim);
    const mount = container.volumeMounts[0].mountPath;
    expect(container.env).toContainEqual({ name: 'COMFYGIT_HOME', value: mount });

    const service = all.find((m) => m.kind === 'Service');
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    const named = container.ports.find((p: any) => p.name === service.spec.ports[0].targetPort);
    expect(named.containerPort).toBe(Number(container.args[container.args.indexOf('--port') + 1]));
  });

  it("the manifests' probe commands work as written against a running supervisor", async () => {
    const container = manifests().find((m) => m.kind === 'Deployment').spec.template.spec.containers[0];
    const ws = await opsWorkspace();
    const env = { COMFYGIT_HOME: ws.root };
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect((await cli(probe.exec.command.slice(1), { env })).exitCode).toBe(1);
    }
    await runSupervised(ws, await freePort());
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      const result = await cli(probe.exec.command.slice(1), { env });
      expect(result.exitCode, result.all).toBe(0);
    }
  });

  it('the Dockerfile: node:20-slim, tini as ENTRYPOINT with -g, the CLI installed, a probe health check', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const instructions = text
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(instructions[0]).toBe('FROM node:20-slim');
    expect(instructions.find((l) => l.startsWith('RUN apt-get'))).toMatch(
      /install -y --no-install-recommends tini /,
    );
    expect(instructions.find((l) => l.startsWith('RUN npm'))).toContain('@comfyvisor/cli');
    const entrypoint = JSON.parse(
      instructions.find((l) => l.startsWith('ENTRYPOINT'))?.slice('ENTRYPOINT'.length) ?? '',
    );
    expect(entrypoint).toEqual(['/usr/bin/tini', '-g', '--', 'comfyvisor']);
    const cmd = JSON.parse(instructions.find((l) => l.startsWith('CMD'))?.slice('CMD'.length) ?? '');
    expect(cmd.slice(0, 2)).toEqual(['run', '--']);
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK'))).toContain(
      'CMD ["comfyvisor", "probe", "ready"',
    );
    expect(existsSync(join(DEPLOY, 'README.md'))).toBe(true);
  });
});
