import { definePackageTests } from '../../vitest.shared.ts';

export default definePackageTests({ integrationTimeoutMs: 60_000 });
