import { keptClients } from '../aws/clients';
import { formatError } from '../aws/error-mapping';
import { redact } from '../engine/secret';
import { RotationEvent, runRotationStep } from './steps';

/**
 * Secrets Manager rotation function for the origin header secret. Secrets Manager invokes it with
 * {Step, SecretId, ClientRequestToken}; every step is idempotent, and a failed step is retried.
 */
export async function handler(
  event: RotationEvent,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<void> {
  const clients = keptClients({ region: process.env.AWS_REGION ?? 'us-east-1' });
  const log = (m: string) => console.log(redact(`[rotation] ${m}`));
  try {
    await runRotationStep(event, {
      clients,
      log,
      remainingMs: () => context?.getRemainingTimeInMillis?.() ?? 60_000,
    });
  } catch (e) {
    const message = formatError(e);
    log(`${event.Step} failed: ${message}`);
    throw new Error(message);
  }
}
