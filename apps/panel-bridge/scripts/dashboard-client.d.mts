type Defines = { __COMFYVISOR_DASHBOARD_SCRIPT__: string };
export declare const dashboardClientOptions: Record<string, unknown>;
export declare function dashboardScriptDefine(build: (options: object) => Promise<unknown>): Promise<Defines>;
export declare function dashboardScriptDefineSync(buildSync: (options: object) => unknown): Defines;
