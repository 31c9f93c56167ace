/**
 * `make demo`: the whole story on an embedded AWS (moto on loopback), in under two minutes.
 *
 *   1. the insecure setup   2. audit: the lock's controls fail   3. CREATE the lock through the real
 *   handler entrypoint, waiting for the distribution   4. audit: every control holds   5. drift, READ
 *   reports it, UPDATE heals it, audit   6. another debug route: the guardian, given the CloudTrail
 *   event, reports who did it and heals it   7. DELETE restores the pre-lock state, audit again
 *
 * The demo knows the secret header value (the fixture made it) and never prints it: every line goes
 * through Terminal, which refuses any line containing it.
 */
import { CliIo, main as auditCli } from '../src/cli/main';
import { Control } from '../src/cli/audit/findings';
import { AuditReport } from '../src/cli/audit/report';
import { AwsClients, createClients } from '../src/aws/clients';
import { buildFixture, Fixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { ProgressEvent, RequestOptions } from '../bench/handler-request';
import { MotoServer, startMoto } from '../bench/moto';
import { DEFAULT_ENFORCE, EnforceFlags } from '../src/engine/spec';
import { createRuleEvent, GUARDIAN_ROLE_ARN } from '../bench/cloudtrail';
import { runGuardian } from '../src/guardian/guardian';
import { EventBridgeSink } from '../src/guardian/eventbridge-sink';
import { CONTROL_BROKEN, Finding, FINDING_DETAIL_TYPE, FINDING_SOURCE } from '../src/guardian/finding';
import { debugRoute, driftChanges } from './drift';
import { driveHandler, Invocation, invokeHandler } from './handler';
import { compare, Comparison, snapshot, Snapshot } from './snapshot';
import { SecretLeak, Terminal } from './terminal';

/** Status checks during which moto keeps the distribution InProgress, so the wait is visible. */
const DEPLOY_CHECKS = 3;
/** The pause between handler callbacks (CloudFormation would wait callbackDelaySeconds). */
const CALLBACK_PAUSE_MS = 400;

interface Story {
  term: Terminal;
  moto: MotoServer;
  fixture: Fixture;
  clients: AwsClients;
  /** The resource's properties, as a template would declare them. */
  model: Record<string, unknown>;
}

function useMoto(moto: MotoServer): void {
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // The SDKs' deprecation notices are for the operator of a real deployment, not for this story.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Full ARNs make the handler's log unreadable: keep the part that tells rules (and listeners) apart. */
const shorten = (text: string): string =>
  text
    .replace(
      /arn:aws:elasticloadbalancing:[^\s:]+:\d+:listener-rule\/app\/[^/\s]+\/[0-9a-f]+\/[0-9a-f]+\/([0-9a-f]+)/g,
      '…/$1',
    )
    .replace(
      /arn:aws:elasticloadbalancing:[^\s:]+:\d+:listener\/app\/[^/\s]+\/[0-9a-f]+\/([0-9a-f]+)/g,
      'listener …/$1',
    );

function statusWord(term: Terminal, status: string): string {
  if (status === 'SUCCESS') return term.paint.green(status);
  if (status === 'FAILED') return term.paint.red(status);
  return term.paint.yellow(status);
}

/** Runs the CLI exactly as a user would (human output on screen), then once more for the JSON. */
async function runAudit(story: Story): Promise<AuditReport> {
  const { term, fixture: f } = story;
  const args = [
    'audit',
    '--listener-arn',
    f.listenerArn,
    '--distribution-id',
    f.distributionId,
    '--secret-arn',
    f.secretArn,
  ];
  term.line(
    term.paint.bold(
      `   $ origin-lock audit --listener-arn $LISTENER_ARN --distribution-id ${f.distributionId} --secret-arn $SECRET_ARN`,
    ),
  );
  const tty = process.stdout.isTTY === true;
  const shown: CliIo = {
    stdout: (line) => term.line(line ? `   ${line}` : ''),
    stderr: (line) => term.line(`   ${line}`),
    env: process.env,
    isTTY: tty,
    columns: tty && process.stdout.columns ? process.stdout.columns - 3 : undefined,
  };
  const code = await auditCli(args, shown);
  const json: string[] = [];
  const quiet: CliIo = {
    stdout: (l) => json.push(l),
    stderr: (l) => json.push(l),
    env: process.env,
    isTTY: false,
  };
  const jsonCode = await auditCli([...args, '--json'], quiet);
  if (code > 1 || jsonCode !== code) throw new Error(`the audit could not run (exit ${code}/${jsonCode})`);
  term.note(`exit status ${code}`);
  return JSON.parse(json.join('\n')) as AuditReport;
}

const failing = (r: AuditReport): Control[] =>
  r.findings.filter((f) => f.status === 'fail').map((f) => f.control);

function expectVerdict(report: AuditReport, verdict: 'pass' | 'fail', when: string): void {
  if (report.verdict !== verdict) {
    throw new Error(
      `expected the audit ${when} to ${verdict}, it did not (failing: ${failing(report).join(', ') || 'none'})`,
    );
  }
}

/** Drives one handler operation, printing the handler's own log and each IN_PROGRESS wait. */
async function operate(
  story: Story,
  request: RequestOptions,
  onWait?: (count: number) => Promise<void>,
): Promise<ProgressEvent> {
  const { term } = story;
  const started = Date.now();
  let waits = 0;
  const final = await driveHandler(request, {
    pauseMs: CALLBACK_PAUSE_MS,
    onInvocation: async (invocation: Invocation) => {
      // The wait is shown once per callback below, in words.
      const steps = invocation.log.filter((l) => !/^wait(ing)? for distribution/.test(l));
      steps.forEach((l) => term.line(`   · ${shorten(l)}`));
      const e = invocation.event;
      if (e.status === 'IN_PROGRESS') {
        waits += 1;
        term.line(
          `   ${term.paint.yellow('⏳')} ${statusWord(term, e.status)} ${e.message ?? ''} (check ${waits}); CloudFormation would call back in ${e.callbackDelaySeconds ?? 0} s, the demo in ${CALLBACK_PAUSE_MS / 1000} s`,
        );
        await onWait?.(waits);
      }
    },
  });
  const e = final.event;
  const detail = e.status === 'FAILED' ? `: ${e.errorCode ?? ''} ${e.message ?? ''}` : '';
  term.line(
    `   ${request.action} ${statusWord(term, e.status)} after ${seconds(Date.now() - started)}${detail}`,
  );
  if (e.status !== 'SUCCESS') throw new Error(`${request.action} did not succeed`);
  return e;
}

function showSetup(story: Story, before: Snapshot): void {
  const { term, fixture: f } = story;
  term.line(
    '   The classic setup: CloudFront in front of an internet-facing ALB that anyone can reach directly.',
  );
  term.table([
    ['load balancer', `${f.loadBalancerDnsName} (internet-facing, ${f.ipAddressType})`],
    ['listener', `HTTP:${f.listenerPort}`],
    ...Object.entries(before),
    ['distribution', `${f.distributionId} (${f.distributionDomainName}), origin alb → the load balancer`],
    ['secret', `${f.secretName} (a 48-character header value, never printed)`],
  ]);
  term.line();
  term.line(`   LISTENER_ARN=${f.listenerArn}`);
  term.line(`   SECRET_ARN=${f.secretArn}`);
}

function showEnforce(term: Terminal, event: ProgressEvent): string[] {
  const live = event.resourceModel?.Enforce as Partial<EnforceFlags> | undefined;
  if (!live) throw new Error('READ returned no Enforce flags');
  const drifted: string[] = [];
  const rows = (Object.keys(DEFAULT_ENFORCE) as (keyof EnforceFlags)[]).map((k) => {
    if (!DEFAULT_ENFORCE[k]) return [`Enforce.${k}`, 'not requested', term.paint.dim('-')];
    if (live[k] !== true) drifted.push(`Enforce.${k}`);
    return [
      `Enforce.${k}`,
      'requested',
      live[k] === true ? term.paint.green('true (holds)') : term.paint.red('false (drifted)'),
    ];
  });
  term.table(rows, { header: ['CONTROL', 'TEMPLATE', 'READ SAYS'] });
  return drifted;
}

/** READ through the handler entrypoint; the rows of its Enforce flags are printed, the drifted returned. */
async function readEnforce(story: Story): Promise<string[]> {
  const read = await invokeHandler({
    action: 'READ',
    properties: { ListenerArn: story.fixture.listenerArn },
  });
  if (read.event.status !== 'SUCCESS') {
    throw new Error(`READ failed: ${read.event.errorCode ?? ''} ${read.event.message ?? ''}`);
  }
  return showEnforce(story.term, read.event);
}

/**
 * Continuous enforcement: a debug route added after the lock, the CloudTrail event EventBridge would
 * hand the guardian, its finding in words, and READ before and after its heal.
 */
async function guardian(story: Story): Promise<Finding> {
  const { term, fixture: f } = story;
  const route = debugRoute(f, '/internal/debug/*', 21);
  term.line('   A week later someone adds another debug route, straight through the API:');
  term.line(`   $ ${route.command}`);
  const changed = Date.now();
  const ruleArn = await route.add(story.clients);
  term.line();
  term.line('   READ right after the change:');
  const drifted = await readEnforce(story);
  if (!drifted.includes('Enforce.ListenerRules'))
    throw new Error(`READ did not see the new route (drifted: ${drifted.join(', ') || 'none'})`);
  term.line(`   READ reports ${drifted.join(', ')} false.`);
  term.line();
  const event = createRuleEvent({
    listenerArn: f.listenerArn,
    ruleArn,
    priority: route.priority,
    path: route.path,
    targetGroupArn: f.targetGroupArn,
  });
  term.line(
    '   CloudTrail records the call; EventBridge hands the guardian (Mode heal) the "AWS API Call via CloudTrail" event:',
  );
  term.note(
    'runGuardian of src/guardian, as its Lambda runs it; findings go to EventBridge PutEvents on moto',
  );
  const published: Finding[] = [];
  const eventBridge = new EventBridgeSink({ region: TEST_REGION });
  const result = await runGuardian(
    event,
    { mode: 'heal', ignoredRoleArns: [GUARDIAN_ROLE_ARN] },
    {
      clients: story.clients,
      sink: {
        publish: async (findings) => {
          await eventBridge.publish(findings);
          published.push(...findings);
        },
      },
      log: (m) => term.line(`   · ${shorten(m)}`),
    },
  );
  const finding = published.find((x) => x.control === 'ListenerRules');
  if (result.ignored || !finding)
    throw new Error(
      `the guardian published no ListenerRules finding${result.ignored ? `: ${result.ignored}` : ''}`,
    );
  term.line();
  term.line(
    `   Finding published to EventBridge (source ${FINDING_SOURCE}, detail-type "${FINDING_DETAIL_TYPE}"):`,
  );
  const did: Record<Finding['action'], string> = {
    healed: term.paint.green('healed: converged the lock to its recorded spec, the control holds again'),
    alerted: term.paint.yellow('alerted only (Mode alert): nothing changed'),
    deferred: term.paint.yellow(`deferred: ${finding.reason ?? 'a stack operation is on the lock'}`),
    failed: term.paint.red(`failed to heal: ${finding.error ?? 'unknown error'}`),
  };
  term.table([
    ['control', `Enforce.${finding.control}: ${CONTROL_BROKEN[finding.control]}`],
    ['who', finding.trigger.principalArn ?? 'unknown principal'],
    ['what', `${finding.trigger.eventName ?? '?'} (${finding.trigger.eventSource ?? '?'})`],
    ['event id', finding.trigger.eventId ?? '?'],
    ['guardian', did[finding.action]],
  ]);
  term.line(
    `   In words: ${finding.trigger.eventName} by ${finding.trigger.principalArn} (event ${finding.trigger.eventId}) broke Enforce.${finding.control}; the guardian ${finding.action} it.`,
  );
  if (finding.action !== 'healed') throw new Error(`the guardian did not heal the route (${finding.action})`);
  term.line();
  term.line('   READ a moment later:');
  const after = await readEnforce(story);
  if (after.length > 0) throw new Error(`the guardian left ${after.join(', ')} drifted`);
  term.line(
    `   READ reports every requested control holds again, ${seconds(Date.now() - changed)} after the change; no UPDATE was needed.`,
  );
  return finding;
}

async function story(story: Story): Promise<void> {
  const { term, moto, fixture: f } = story;
  const request = (
    action: RequestOptions['action'],
    extra: Partial<RequestOptions> = {},
  ): RequestOptions => ({
    action,
    properties: story.model,
    ...extra,
  });

  term.chapter(1, 'The insecure setup');
  const before = await snapshot(story.clients, f);
  showSetup(story, before);

  term.chapter(2, 'Audit it: the lock’s controls fail');
  const initial = await runAudit(story);
  expectVerdict(initial, 'fail', 'before the lock');

  term.chapter(3, 'Lock it: CREATE through the real handler entrypoint');
  term.line(
    `   Acme::Origin::Lock { ListenerArn: $LISTENER_ARN, DistributionId: ${f.distributionId}, SecretArn: $SECRET_ARN }`,
  );
  term.note(
    `testEntrypoint of dist/src/registry/handlers.js; moto keeps the distribution InProgress for ${DEPLOY_CHECKS} status checks`,
  );
  await operate(story, request('CREATE'), async (count) => {
    if (count < DEPLOY_CHECKS) return;
    // One more status read and moto reports Deployed, as CloudFront does once propagation ends.
    await moto.setCloudFrontTransition({ progression: 'manual', times: 1 });
    term.note('moto: the distribution has finished propagating');
  });

  term.chapter(4, 'Audit again: every control holds');
  const locked = await runAudit(story);
  expectVerdict(locked, 'pass', 'after the lock');
  term.note(
    'origin-https stays a warning: this listener is HTTP. With an HTTPS listener, Enforce.HttpsOrigin makes the origin https-only.',
  );

  term.chapter(5, 'Drift: someone reopens the port and adds a quick debug route');
  for (const change of driftChanges(f)) {
    term.line(`   $ ${change.command}`);
    await change.run(story.clients);
  }
  term.line();
  term.line('   READ (what CloudFormation drift detection calls):');
  const drifted = await readEnforce(story);
  if (!drifted.includes('Enforce.SecurityGroup') || !drifted.includes('Enforce.ListenerRules')) {
    throw new Error(`READ did not report the drift (drifted: ${drifted.join(', ') || 'none'})`);
  }
  term.line(`   READ reports ${drifted.join(', ')} false.`);
  term.line();
  term.line('   Heal it with UPDATE (same properties):');
  await operate(story, request('UPDATE', { previousProperties: story.model }));
  term.line();
  const healed = await runAudit(story);
  expectVerdict(healed, 'pass', 'after healing');

  term.chapter(6, 'Continuous enforcement: the guardian heals a new debug route');
  const guarded = await guardian(story);

  term.chapter(7, 'Delete the lock: the pre-lock state comes back');
  await operate(story, request('DELETE'));
  term.line();
  const after = await runAudit(story);
  expectVerdict(after, 'fail', 'after the delete');
  const same = failing(after).join(',') === failing(initial).join(',');
  if (!same) throw new Error('the controls failing after the delete differ from those before the lock');
  term.line();
  const comparisons = compare(before, await snapshot(story.clients, f));
  const label: Record<Comparison['state'], string> = {
    same: term.paint.green('restored'),
    added: term.paint.yellow('added by the drift, kept'),
    changed: term.paint.red('CHANGED'),
  };
  term.table(
    comparisons.map((c) => [c.aspect, c.before, c.after, label[c.state]]),
    { header: ['WHAT', 'BEFORE THE LOCK', 'AFTER DELETE', ''] },
  );
  if (comparisons.some((c) => c.state === 'changed')) {
    throw new Error('the delete did not restore the pre-lock state');
  }

  term.chapter(8, 'Summary');
  const verdict = (r: AuditReport): string =>
    r.verdict === 'pass' ? term.paint.green('PASS') : term.paint.red('FAIL');
  term.table([
    [
      'before the lock',
      verdict(initial),
      `${initial.summary.fail} controls fail: ${failing(initial).join(', ')}`,
    ],
    [
      'locked',
      verdict(locked),
      `every control holds (${locked.summary.warn} warning${locked.summary.warn === 1 ? '' : 's'})`,
    ],
    ['drift healed', verdict(healed), 'READ saw the drift, UPDATE put the lock back'],
    [
      'guardian',
      term.paint.green(guarded.action.toUpperCase()),
      `${guarded.trigger.eventName} by ${guarded.trigger.principalArn}: found from CloudTrail and healed, no UPDATE`,
    ],
    ['lock deleted', verdict(after), 'the same controls fail as before the lock: the original state is back'],
  ]);
}

async function run(term: Terminal): Promise<number> {
  const started = Date.now();
  term.line(
    term.paint.bold('Acme::Origin::Lock demo') + ' - CloudFront in front of an ALB, and only CloudFront',
  );
  const moto = await startMoto();
  term.note(`embedded AWS: moto on ${moto.endpoint} (pid ${moto.pid})`);
  const stop = async (): Promise<void> => {
    await moto.stop();
    term.note(`stopped moto (pid ${moto.pid})`);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stdout.write(`\ninterrupted (${signal}): stopping moto (pid ${moto.pid})\n`);
    void moto.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    useMoto(moto);
    // Held InProgress from creation: a fresh distribution is still deploying (released in chapter 3).
    await moto.setCloudFrontTransition({ progression: 'manual', times: 1_000_000 });
    const fixture = await buildFixture({ extraRules: ['host'] });
    term.guard(fixture.secretValue);
    const clients = createClients({ region: TEST_REGION, credentials: { ...TEST_CREDENTIALS } });
    const model = {
      ListenerArn: fixture.listenerArn,
      DistributionId: fixture.distributionId,
      SecretArn: fixture.secretArn,
    };
    await story({ term, moto, fixture, clients, model });
    term.line();
    term.line(
      `${term.paint.green('Demo finished')} in ${seconds(Date.now() - started)}; the secret value was never printed.`,
    );
    return 0;
  } catch (e) {
    const message = e instanceof SecretLeak ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
    try {
      term.line(term.paint.red(`demo failed: ${message}`));
    } catch {
      term.line(term.paint.red('demo failed (the error message is withheld: it contained the secret value)'));
    }
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stop();
  }
}

if (require.main === module) {
  run(Terminal.forStdout()).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`demo failed before it started: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
