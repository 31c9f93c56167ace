#!/usr/bin/env node
// The package's `origin-lock` bin: starts the compiled CLI (dist/, which `make setup` builds). This
// launcher is committed, so `npx --offline --no-install origin-lock` always finds the bin, and before a
// build it says what to do instead of "not found" (npx would also keep that broken link in its cache).
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write(`origin-lock: ${cli} is not built yet: run \`make setup\` in ${root}\n`);
  process.exit(3);
}
/** @type {{ run(): void }} */ (require(cli)).run();
