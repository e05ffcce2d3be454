export type { ComfyuiAddress } from './address.ts';
export { comfyuiAddress, comfyuiUrl } from './address.ts';
export type { Clock } from './clock.ts';
export { sleepToBeat, systemClock } from './clock.ts';
export type { ProbeResult } from './probe.ts';
export { probeHttp, probeTcp } from './probe.ts';
export type { HealthResult, WaitForHealthyOptions } from './wait-for-healthy.ts';
export { waitForHealthy } from './wait-for-healthy.ts';
