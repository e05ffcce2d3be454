import { definePackageTests } from '../../vitest.shared.ts';

export default definePackageTests({ browserTests: ['test/integration/dashboard.test.ts'] });
