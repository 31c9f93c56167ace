import { AwsClients } from '../aws/clients';
import { listLockArns, lockRecord } from '../engine/converge';
import { LockSpec } from '../engine/spec';

/**
 * The locks whose SecretArn is this secret, found from the locks' own records in AWS (the same
 * source LIST and READ use), never from configuration.
 */
export async function locksUsingSecret(clients: AwsClients, secretArn: string): Promise<LockSpec[]> {
  const specs: LockSpec[] = [];
  for (const listenerArn of await listLockArns(clients)) {
    const record = await lockRecord(clients, listenerArn);
    if (record && record.spec.SecretArn === secretArn)
      specs.push({ ...record.spec, ListenerArn: listenerArn });
  }
  return specs;
}
