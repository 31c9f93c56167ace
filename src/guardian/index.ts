import { keptClients } from '../aws/clients';
import { EventBridgeSink } from './eventbridge-sink';
import { configFromEnv, GuardianResult, runGuardian } from './guardian';

/**
 * The guardian Lambda (templates/guardian.yaml): invoked by EventBridge with CloudTrail API-call events
 * and a scheduled event. It never throws, so EventBridge never retries an event into a loop.
 */
export async function handler(
  event: unknown,
): Promise<Pick<GuardianResult, 'ignored' | 'checked'> & { findings: number }> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const result = await runGuardian(event, configFromEnv(), {
    clients: keptClients({ region }),
    sink: new EventBridgeSink({
      region,
      eventBusName: process.env.EVENT_BUS_NAME || undefined,
      topicArn: process.env.TOPIC_ARN || undefined,
    }),
    log: (m) => console.log(m),
  });
  return { ignored: result.ignored, checked: result.checked, findings: result.findings.length };
}
