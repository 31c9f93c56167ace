/**
 * Sends sam-tests/ events to an Invoke endpoint with the fixture's ids filled in (used by
 * tools/invoke-event.sh, which starts moto, the fixture and the invoke server around it):
 *
 *   node dist/bench/invoke-event.js --url http://127.0.0.1:PORT --fixture fixture.json [--follow]
 *        sam-tests/create.json [sam-tests/read.json ...]
 *
 * Placeholders `{{Name}}` are replaced by fixture values (see PLACEHOLDERS); empty credentials by
 * moto test credentials. An event with `requestData` goes to TypeFunction (entrypoint), any other to
 * TestEntrypoint. With --follow, IN_PROGRESS replies are re-sent with their callbackContext and
 * model until the operation ends, as CloudFormation would (delays capped at 5 s).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Fixture } from './fixtures';
import { TEST_CREDENTIALS } from './fixtures';
import { invoke, ProgressEvent } from './handler-request';
import { sleep } from './ports';

type Json = Record<string, unknown>;

function placeholders(fixture: Fixture): Record<string, string> {
  return {
    ListenerArn: fixture.listenerArn,
    HttpsListenerArn: fixture.httpsListenerArn ?? '',
    DistributionId: fixture.distributionId,
    SecretArn: fixture.secretArn,
    SecretKey: fixture.secretKey ?? '',
    LoadBalancerArn: fixture.loadBalancerArn,
    SecurityGroupId: fixture.securityGroupId,
    AccountId: fixture.accountId,
    Region: fixture.region,
    ClientRequestToken: randomUUID(),
  };
}

export function fillEvent(template: string, fixture: Fixture): Json {
  const values = placeholders(fixture);
  const filled = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`unknown placeholder ${whole}`);
    return values[key];
  });
  const event = JSON.parse(filled) as Json;
  // Tracked events carry empty credentials; moto accepts any non-empty ones.
  const holder = (event.requestData as Json | undefined) ?? event;
  const key = 'requestData' in event ? 'callerCredentials' : 'credentials';
  const creds = holder[key] as Json | undefined;
  if (!creds || !creds.accessKeyId) holder[key] = { ...TEST_CREDENTIALS, sessionToken: 'testing' };
  return event;
}

async function send(url: string, event: Json, follow: boolean): Promise<ProgressEvent> {
  const fn = 'requestData' in event ? 'TypeFunction' : 'TestEntrypoint';
  let reply = await invoke(url, fn, event);
  while (follow && reply.status === 'IN_PROGRESS') {
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    await sleep(Math.min(reply.callbackDelaySeconds ?? 0, 5) * 1000);
    event.callbackContext = reply.callbackContext ?? null;
    if (fn === 'TypeFunction') (event.requestData as Json).resourceProperties = reply.resourceModel;
    else (event.request as Json).desiredResourceState = reply.resourceModel;
    reply = await invoke(url, fn, event);
  }
  return reply;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let url = '';
  let fixtureFile = '';
  let follow = false;
  const events: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--url') url = argv[++i];
    else if (argv[i] === '--fixture') fixtureFile = argv[++i];
    else if (argv[i] === '--follow') follow = true;
    else events.push(argv[i]);
  }
  if (!url || !fixtureFile || events.length === 0) {
    throw new Error('usage: invoke-event --url URL --fixture fixture.json [--follow] event.json...');
  }
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
  for (const file of events) {
    process.stdout.write(`# ${file}\n`);
    const reply = await send(url, fillEvent(readFileSync(file, 'utf8'), fixture), follow);
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`invoke-event: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
