import { asksForVersion, versionLine } from './commands/version.js';

// The entry bin/rdd runs, bundled as CommonJS (dist/bundle/launch.cjs): Node
// starts a CommonJS script ~15-20 ms sooner than an ES module, a tenth of a
// bare `node -e 0` here (docs/performance.md, "CLI"). `rdd version` is answered
// from here; everything else goes to main.ts, the ES module bundle.
const argv = process.argv.slice(2);
if (asksForVersion(argv)) process.stdout.write(`${versionLine()}\n`);
else void import('./main.js');
