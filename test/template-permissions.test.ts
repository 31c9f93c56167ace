/**
 * Every shipped IAM role that runs the engine grants exactly what the engine calls: the schema's handler
 * permissions (schema/acme-origin-lock.json, which test/real-aws.permissions.test.ts checks against the
 * calls) for the operations the role performs, plus its adapter's own calls, no more, no less, under
 * every combination of the template's conditions. Resource scoping is the templates' business (cfn-lint
 * and the Guard rules check them with the other templates); this test is about the action lists.
 *
 * The templates are parsed by cfn-lint's own decoder (cfnlint.decode, pinned in requirements.txt, in the
 * .venv the bench already needs for moto): it understands the CloudFormation short tags (!If, !Sub, ...)
 * and returns the long form, exactly as cfn-lint sees the template. js-yaml is only a transitive
 * dependency here and would need every short tag declared by hand.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot, venvBin } from '../bench/paths';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Handler = 'create' | 'read' | 'update' | 'delete' | 'list';
/** Whether a condition of the template holds in the combination being checked. */
type On = (condition: string) => boolean;

interface RoleCase {
  template: string;
  role: string;
  /** The resource and property that hand the role to what runs the engine. */
  usedBy: { resource: string; property: string } | undefined;
  /** Last path segment of each AWS managed policy the role attaches. */
  managedPolicies: string[];
  /** The actions the role must grant, exactly, when the conditions are as `on` says. */
  expected: (on: On) => string[];
}

const root = repoRoot();
const schema = JSON.parse(readFileSync(path.join(root, 'schema', 'acme-origin-lock.json'), 'utf8')) as {
  handlers: Record<Handler, { permissions: string[] }>;
};
const handlers = (...ops: Handler[]): string[] => ops.flatMap((op) => schema.handlers[op].permissions);
/** A lock's DistributionRoleArn is assumed (sts:AssumeRole): templates grant it only for the roles they name. */
const assumesEdgeRoles = (actions: string[], on: On): string[] =>
  on('HasDistributionRoles') ? actions : actions.filter((a) => a !== 'sts:AssumeRole');
const ALL_HANDLERS: Handler[] = ['create', 'read', 'update', 'delete', 'list'];

const CASES: RoleCase[] = [
  {
    // CloudFormation sends Create, Update and Delete; the function reads the lock back for its attributes.
    template: 'templates/custom-resource.yaml',
    role: 'Role',
    usedBy: { resource: 'Function', property: 'Role' },
    managedPolicies: [],
    expected: (on) => [
      ...assumesEdgeRoles(handlers('create', 'update', 'delete', 'read'), on),
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      // A long operation continues in a new invocation of itself.
      'lambda:InvokeFunction',
      ...(on('HasKmsKey') ? ['kms:Decrypt'] : []),
    ],
  },
  {
    // Finds the locks using the secret (LIST) and converges each as an UPDATE does.
    template: 'templates/rotation.yaml',
    role: 'RotationRole',
    usedBy: { resource: 'RotationFunction', property: 'Role' },
    managedPolicies: ['AWSLambdaBasicExecutionRole'],
    expected: (on) => [
      ...assumesEdgeRoles(handlers('update', 'read', 'list'), on),
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:GetRandomPassword',
    ],
  },
  {
    // Reads every lock (LIST, READ) and publishes findings; heal mode converges as an UPDATE does after
    // asking CloudFormation whether a stack operation is on the lock.
    template: 'templates/guardian.yaml',
    role: 'GuardianRole',
    usedBy: { resource: 'GuardianFunction', property: 'Role' },
    managedPolicies: ['AWSLambdaBasicExecutionRole'],
    expected: (on) => [
      ...assumesEdgeRoles(handlers('read', 'list', ...(on('Heal') ? (['update'] as const) : [])), on),
      'events:PutEvents',
      ...(on('HasTopic') ? ['sns:Publish'] : []),
      ...(on('Heal') ? ['cloudformation:DescribeStackResources', 'cloudformation:DescribeStacks'] : []),
    ],
  },
  {
    template: 'examples/activate-type-stackset.yaml',
    role: 'ExecutionRole',
    usedBy: { resource: 'Activation', property: 'ExecutionRoleArn' },
    managedPolicies: [],
    expected: () => handlers(...ALL_HANDLERS),
  },
  {
    template: 'examples/stackset-register-type.yaml',
    role: 'ExecutionRole',
    usedBy: { resource: 'TypeVersion', property: 'ExecutionRoleArn' },
    managedPolicies: [],
    expected: () => handlers(...ALL_HANDLERS),
  },
  {
    // Generated from the schema by `make generate`; what `cfn submit` registers the type with.
    template: 'resource-role.yaml',
    role: 'ExecutionRole',
    usedBy: undefined,
    managedPolicies: [],
    expected: () => handlers(...ALL_HANDLERS),
  },
];

/** Every template under templates/ and examples/ (the shipped ones), parsed once. */
const SHIPPED = ['templates', 'examples'].flatMap((dir) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `${dir}/${f}`),
);
const templates = decodeTemplates([...new Set([...SHIPPED, ...CASES.map((c) => c.template)])]);

/** The templates as cfn-lint decodes them (short tags in long form); fails on any parse error. */
function decodeTemplates(files: string[]): Record<string, JsonObject> {
  const script = [
    'import json, sys',
    'from cfnlint.decode import decode',
    'out = {}',
    'for f in sys.argv[1:]:',
    '    template, matches = decode(f)',
    '    if matches or template is None: sys.exit(f + ": " + "; ".join(str(m) for m in matches))',
    '    out[f] = template',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const out = execFileSync(venvBin('python'), ['-c', script, ...files], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, JsonObject>;
}

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `node` with every Fn::If decided by `on` and every Ref AWS::NoValue dropped (undefined at the top). */
function resolve(node: Json, on: On): Json | undefined {
  if (Array.isArray(node)) return node.map((n) => resolve(n, on)).filter((n): n is Json => n !== undefined);
  if (!isObject(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'Ref' && node.Ref === 'AWS::NoValue') return undefined;
  if (keys.length === 1 && keys[0] === 'Fn::If') {
    const [condition, whenTrue, whenFalse] = node['Fn::If'] as [string, Json, Json];
    return resolve(on(condition) ? whenTrue : whenFalse, on);
  }
  const out: JsonObject = {};
  for (const key of keys) {
    const value = resolve(node[key], on);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const refersTo = (v: Json, logicalId: string): boolean => isObject(v) && v.Ref === logicalId;

/**
 * The policy statements of `roleId`: its inline policies and every IAM policy resource of the template
 * attached to it, with the conditions as `on` says.
 */
function roleStatements(template: JsonObject, roleId: string, on: On): JsonObject[] {
  const resources = resolve(template.Resources, on) as Record<string, JsonObject>;
  const documents: Json[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (typeof resource.Condition === 'string' && !on(resource.Condition)) continue;
    const props = (resource.Properties ?? {}) as JsonObject;
    if (id === roleId) {
      for (const policy of asList(props.Policies)) documents.push((policy as JsonObject).PolicyDocument);
    } else if (
      ['AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::IAM::ManagedPolicy'].includes(
        resource.Type as string,
      ) &&
      (refersTo(props.RoleName, roleId) || asList(props.Roles).some((r) => refersTo(r, roleId)))
    ) {
      documents.push(props.PolicyDocument);
    }
  }
  return documents.flatMap((doc) => asList((doc as JsonObject).Statement) as JsonObject[]);
}

const allowedActions = (statements: JsonObject[]): string[] =>
  statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asList(s.Action) as string[]);

/** Every true/false combination of the template's conditions. */
function conditionCombinations(template: JsonObject): { label: string; on: On }[] {
  const names = Object.keys((template.Conditions ?? {}) as JsonObject);
  return Array.from({ length: 2 ** names.length }, (_, bits) => {
    const value = new Map(names.map((n, i) => [n, (bits & (1 << i)) !== 0]));
    const on: On = (condition) => {
      const v = value.get(condition);
      if (v === undefined) throw new Error(`unknown condition ${condition}`);
      return v;
    };
    return { label: names.map((n) => `${n}=${value.get(n)}`).join(' ') || 'no conditions', on };
  });
}

const sorted = (actions: string[]): string[] => [...new Set(actions)].sort();

describe.each(CASES)('$template $role', (c) => {
  const template = templates[c.template];
  const resources = template.Resources as Record<string, JsonObject>;

  test.each(conditionCombinations(template))('grants exactly what it runs ($label)', ({ on }) => {
    const statements = roleStatements(template, c.role, on);
    // Allow statements with Action lists only: otherwise the grant is not the union compared here.
    for (const s of statements)
      expect({ Effect: s.Effect, NotAction: s.NotAction }).toEqual({ Effect: 'Allow' });
    expect(sorted(allowedActions(statements))).toEqual(sorted(c.expected(on)));
  });

  test('is the role that runs the engine', () => {
    expect(resources[c.role]?.Type).toBe('AWS::IAM::Role');
    if (c.usedBy) {
      const props = resources[c.usedBy.resource]?.Properties as JsonObject;
      expect(props[c.usedBy.property]).toEqual({ 'Fn::GetAtt': [c.role, 'Arn'] });
    }
    const managed = asList((resources[c.role].Properties as JsonObject).ManagedPolicyArns).map((arn) =>
      (isObject(arn) ? (arn['Fn::Sub'] as string) : (arn as string)).split('/').pop(),
    );
    expect(managed).toEqual(c.managedPolicies);
  });
});

test('every shipped role that can change a lock is checked above', () => {
  // A role allowed ModifyRule on a listener is an engine role (every write path of the engine needs it).
  const engineRoles = Object.entries(templates).flatMap(([file, template]) =>
    Object.entries(template.Resources as Record<string, JsonObject>)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .filter(([id]) =>
        allowedActions(roleStatements(template, id, () => true)).includes('elasticloadbalancing:ModifyRule'),
      )
      .map(([id]) => `${file} ${id}`),
  );
  expect(engineRoles.sort()).toEqual(CASES.map((c) => `${c.template} ${c.role}`).sort());
});
