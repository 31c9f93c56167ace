/**
 * examples/activate-type-stackset.yaml: the execution role it hands to AWS::CloudFormation::TypeActivation
 * grants exactly the schema's handler permissions (what resource-role.yaml grants), no more, no less.
 * cfn-lint and the Guard rules check the template with the other examples.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../bench/paths';

const root = repoRoot();

test("the execution role grants exactly the union of the schema's handler permissions", () => {
  const template = readFileSync(path.join(root, 'examples', 'activate-type-stackset.yaml'), 'utf8');
  // The ExecutionRole resource, up to the next resource (two-space indented key).
  const role = /^ {2}ExecutionRole:\n([\s\S]*?)^ {2}\S/m.exec(template)?.[1] ?? '';
  const granted = [...role.matchAll(/^\s+- ([a-z0-9-]+:[A-Za-z]+)$/gm)].map((m) => m[1]);
  const schema = JSON.parse(readFileSync(path.join(root, 'schema', 'acme-origin-lock.json'), 'utf8')) as {
    handlers: Record<string, { permissions: string[] }>;
  };
  const required = [...new Set(Object.values(schema.handlers).flatMap((h) => h.permissions))].sort();
  expect([...granted].sort()).toEqual(required);
  expect(new Set(granted).size).toBe(granted.length);
  expect(template).toMatch(/Type: AWS::CloudFormation::TypeActivation/);
  expect(template).toMatch(/ExecutionRoleArn: !GetAtt ExecutionRole\.Arn/);
});
