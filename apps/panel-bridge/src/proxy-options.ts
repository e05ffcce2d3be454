// Kept apart from proxy-place.ts so the package's declarations (app.d.ts) name no hono type.

/** How the bridge sits behind a reverse proxy. */
export interface ProxyOptions {
  /** The path the proxy serves the bridge under (`/cv`), stripped when the proxy passes it on. */
  basePath?: string | undefined;
  /**
   * Trust the `X-Forwarded-Prefix`, `-For` and `-Proto` headers of a proxy that connects from
   * loopback (a proxy on this machine). Never from another address. @default false
   */
  trustProxy?: boolean | undefined;
}
