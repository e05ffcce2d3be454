import { buildSync } from 'esbuild';
import { mergeConfig } from 'vitest/config';
import { definePackageTests } from '../../vitest.shared.ts';
import { dashboardScriptDefineSync } from './scripts/dashboard-client.mjs';

// The unit tests run from the sources: the dashboard's page script is bundled here, as the build does.
export default mergeConfig(
  definePackageTests({
    browserTests: [
      'test/integration/dashboard.test.ts',
      'test/integration/remote.test.ts',
      'test/integration/settings-panel.test.ts',
      'test/integration/history-pictures.test.ts',
    ],
  }),
  { define: dashboardScriptDefineSync(buildSync) },
);
