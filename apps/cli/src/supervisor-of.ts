import type { ControlClient } from '@comfyvisor/supervisor';
import { UserError } from './errors.ts';

/** The running supervisor of `workspace`, or one line saying why there is none (garbage port file, no answer). */
export async function supervisorOf(workspace: string): Promise<ControlClient> {
  const { findSupervisor } = await import('@comfyvisor/supervisor');
  const found = await findSupervisor(workspace);
  switch (found.kind) {
    case 'found':
      return found.client;
    case 'none':
      throw new UserError(`no supervisor is running for ${workspace} (start one with \`comfyvisor run\`)`);
    case 'invalid_port':
    case 'no_answer':
      throw new UserError(`no supervisor answers for ${workspace}: ${found.message}`);
  }
  throw new UserError('no supervisor found');
}
