/**
 * Command-line face of the fixture builder, for the shell benches (tools/contract.sh,
 * tools/invoke-event.sh):
 *
 *   node dist/bench/fixture-cli.js --endpoint http://127.0.0.1:PORT [--options '{"dualstack":true}']
 *        [--out fixture.json] [--inputs PROJECT_DIR]
 *
 * Builds the seed-004 fixture in moto, writes it as JSON to --out (default stdout) and, with --inputs,
 * the cfn test input files into PROJECT_DIR/inputs/. The endpoint defaults to AWS_ENDPOINT_URL.
 */
import { writeFileSync } from 'node:fs';
import { writeContractInputs } from './contract-inputs';
import { buildFixture, FixtureOptions } from './fixtures';

interface CliArgs {
  endpoint?: string;
  options: FixtureOptions;
  out?: string;
  inputs?: string;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { endpoint: process.env.AWS_ENDPOINT_URL, options: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--endpoint') args.endpoint = value;
    else if (flag === '--options') args.options = JSON.parse(value) as FixtureOptions;
    else if (flag === '--out') args.out = value;
    else if (flag === '--inputs') args.inputs = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.endpoint) throw new Error('no moto endpoint: pass --endpoint or set AWS_ENDPOINT_URL');
  const fixture = await buildFixture(args.options, { endpoint: args.endpoint });
  const json = `${JSON.stringify(fixture, null, 2)}\n`;
  if (args.out) writeFileSync(args.out, json);
  else process.stdout.write(json);
  if (args.inputs) {
    for (const file of writeContractInputs(args.inputs, fixture)) process.stderr.write(`wrote ${file}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fixture-cli: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
