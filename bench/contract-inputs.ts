/**
 * The `cfn test` input files for a fixture (inputs/inputs_1_{create,update,invalid}.json). They must be
 * written per run: the ARNs and ids come from the moto instance the run uses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Fixture } from './fixtures';

export interface ContractInputs {
  create: Record<string, unknown>;
  update: Record<string, unknown>;
  invalid: Record<string, unknown>;
}

export function contractInputs(fixture: Fixture): ContractInputs {
  const base = {
    ListenerArn: fixture.listenerArn,
    DistributionId: fixture.distributionId,
    SecretArn: fixture.secretArn,
    ...(fixture.secretKey ? { SecretKey: fixture.secretKey } : {}),
  };
  return {
    create: {
      ...base,
      DenyResponse: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' },
    },
    // Only writable, non-createOnly properties may change; ListenerArn (the identifier) stays.
    update: {
      ...base,
      DenyResponse: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Use the CloudFront URL' },
    },
    // A ListenerArn that cannot exist: the handler must answer FAILED, not crash or lock something.
    invalid: {
      ...base,
      ListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/not-a-listener',
    },
  };
}

/** Writes the three files into `<dir>/inputs/`, creating it; returns the file paths. */
export function writeContractInputs(projectDir: string, fixture: Fixture): string[] {
  const dir = path.join(projectDir, 'inputs');
  mkdirSync(dir, { recursive: true });
  const inputs = contractInputs(fixture);
  return (Object.keys(inputs) as (keyof ContractInputs)[]).map((kind) => {
    const file = path.join(dir, `inputs_1_${kind}.json`);
    writeFileSync(file, `${JSON.stringify(inputs[kind], null, 2)}\n`);
    return file;
  });
}
