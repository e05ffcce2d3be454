/** Where ComfyUI will listen, read from its arguments the way ComfyUI's argparse reads them. */
export interface ComfyuiAddress {
  host: string;
  port: number;
}

function toProbeHost(listen: string): string {
  const first = listen.split(',')[0]?.trim() ?? '';
  if (first === '' || first === '0.0.0.0') return '127.0.0.1';
  if (first === '::') return '::1';
  return first;
}

/**
 * `--port N` / `--port=N` (the last one wins; default 8188); `--listen` alone or with `0.0.0.0`
 * means 127.0.0.1 for a probe, `::` means ::1, a host (or the first of a comma list) means that host.
 */
export function comfyuiAddress(
  args: readonly string[],
  defaults: { host?: string | undefined; port?: number | undefined } = {},
): ComfyuiAddress {
  let host = defaults.host ?? '127.0.0.1';
  let port = defaults.port ?? 8188;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? args[++i] : arg.slice('--port='.length);
      const parsed = Number(value);
      if (Number.isInteger(parsed) && parsed > 0 && parsed < 65536) port = parsed;
    } else if (arg === '--listen') {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        host = toProbeHost(next);
        i++;
      } else host = '127.0.0.1';
    } else if (arg.startsWith('--listen=')) {
      host = toProbeHost(arg.slice('--listen='.length));
    }
  }
  return { host, port };
}

/** `http://host:port/path`, with brackets around an IPv6 host. */
export function comfyuiUrl(address: ComfyuiAddress, path = '/system_stats'): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}${path}`;
}
