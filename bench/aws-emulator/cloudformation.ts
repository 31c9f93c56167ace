import { esc, requestId, WireError, WireRequest } from './wire';

/**
 * Stacks moto's CloudFormation cannot hold: a stack with an Acme::Origin::Lock or Custom::OriginLock
 * resource (moto drops third-party types and needs Docker to run a custom resource's function), and a
 * stack or resource in the middle of an operation (moto's operations finish at once). A test sets them
 * in `emulator.cloudformation.stacks` and moves their statuses; DescribeStackResources and DescribeStacks
 * naming one of them are answered here, as AWS would; every other CloudFormation call goes to moto
 * (bench/moto-server.py teaches moto the lookup by PhysicalResourceId for its own stacks).
 */
export interface EmulatedStackResource {
  logicalId: string;
  type: string;
  /** Absent while CloudFormation does not know it (a resource being created). */
  physicalId?: string;
  status: string;
}

export interface EmulatedStack {
  name: string;
  /** Default: an ARN made from the name. */
  id?: string;
  status: string;
  resources: EmulatedStackResource[];
}

const ACCOUNT = '123456789012';
const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export const stackIdOf = (stack: EmulatedStack, region: string): string =>
  stack.id ??
  `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${stack.name}/00000000-0000-4000-8000-000000000000`;

const field = (name: string, value: string | undefined): string =>
  value === undefined ? '' : `<${name}>${esc(value)}</${name}>`;

function answer(action: string, result: string): WireError {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function resourcesAnswer(stack: EmulatedStack, region: string, logicalId: string | null): WireError {
  const id = stackIdOf(stack, region);
  const members = stack.resources
    .filter((r) => logicalId === null || r.logicalId === logicalId)
    .map(
      (r) =>
        `<member>${field('StackId', id)}${field('StackName', stack.name)}${field('LogicalResourceId', r.logicalId)}${field('PhysicalResourceId', r.physicalId)}${field('ResourceType', r.type)}<Timestamp>2026-01-01T00:00:00Z</Timestamp>${field('ResourceStatus', r.status)}</member>`,
    )
    .join('');
  return answer('DescribeStackResources', `<StackResources>${members}</StackResources>`);
}

/** The emulated answer to a CloudFormation request, or undefined to forward it to moto. */
export function answerCloudFormation(
  r: WireRequest,
  stacks: EmulatedStack[],
  region: string,
): WireError | undefined {
  const named = (name: string | null) =>
    name === null ? undefined : stacks.find((s) => s.name === name || stackIdOf(s, region) === name);
  if (r.operation === 'DescribeStackResources') {
    const physicalId = r.form.get('PhysicalResourceId');
    const logicalId = r.form.get('LogicalResourceId');
    if (r.form.get('StackName') !== null) {
      const stack = named(r.form.get('StackName'));
      return stack && resourcesAnswer(stack, region, logicalId);
    }
    // AWS names the one stack that holds the resource; here the first one set that does.
    const stack = stacks.find((s) => s.resources.some((x) => x.physicalId === physicalId));
    return stack && resourcesAnswer(stack, region, logicalId);
  }
  if (r.operation === 'DescribeStacks') {
    const stack = named(r.form.get('StackName'));
    if (!stack) return undefined;
    const member = `<member>${field('StackId', stackIdOf(stack, region))}${field('StackName', stack.name)}<CreationTime>2026-01-01T00:00:00Z</CreationTime>${field('StackStatus', stack.status)}</member>`;
    return answer('DescribeStacks', `<Stacks>${member}</Stacks>`);
  }
  return undefined;
}
