// A small reverse proxy for the tests, as nginx would be set up in front of the bridge
// (docs/remote.md): it serves the bridge under a path prefix, passes the Host on, adds
// X-Forwarded-For/-Proto (and -Prefix when it strips the prefix), and streams answers as they
// come, so server-sent events go through.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReverseProxy {
  port: number;
  /** Requests it passed on, as `METHOD path` (the path the bridge got). */
  passed: string[];
  close(): Promise<void>;
}

export async function startReverseProxy(options: {
  /** The bridge's port on 127.0.0.1. */
  target: number;
  /** The prefix served (`/cv`). Requests outside it get 404 from the proxy itself. */
  prefix: string;
  /** Strip the prefix and say so in X-Forwarded-Prefix (nginx `proxy_pass http://b/;`), else pass it on. */
  strip: boolean;
}): Promise<ReverseProxy> {
  const passed: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (
      url !== options.prefix &&
      !url.startsWith(`${options.prefix}/`) &&
      !url.startsWith(`${options.prefix}?`)
    ) {
      res.writeHead(404).end('not proxied');
      return;
    }
    const path = options.strip ? url.slice(options.prefix.length) || '/' : url;
    const headers = { ...req.headers };
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers['x-forwarded-proto'] = 'http';
    if (options.strip) headers['x-forwarded-prefix'] = options.prefix;
    passed.push(`${req.method} ${path.split('?')[0]}`);
    const upstream = httpRequest(
      { host: '127.0.0.1', port: options.target, method: req.method, path, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    passed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
