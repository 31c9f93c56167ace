/**
 * The Lambda's FindingSink: EventBridge PutEvents on the default bus (or EVENT_BUS_NAME), and SNS when
 * a topic is configured. Needs @aws-sdk/client-eventbridge and @aws-sdk/client-sns (see docs/guardian.md);
 * kept apart from guardian.ts so the engine side compiles and tests without them.
 */
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Finding, FINDING_DETAIL_TYPE, FINDING_SOURCE, FindingSink } from './finding';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_BATCH = 10;

export class EventBridgeSink implements FindingSink {
  private readonly events: EventBridgeClient;
  private readonly sns?: SNSClient;

  constructor(private readonly options: { region: string; eventBusName?: string; topicArn?: string }) {
    const common = { region: options.region, maxAttempts: 7, retryMode: 'standard' as const };
    this.events = new EventBridgeClient(common);
    if (options.topicArn) this.sns = new SNSClient(common);
  }

  async publish(findings: Finding[]): Promise<void> {
    for (let i = 0; i < findings.length; i += PUT_EVENTS_BATCH) {
      const entries: PutEventsRequestEntry[] = findings.slice(i, i + PUT_EVENTS_BATCH).map((f) => ({
        Source: FINDING_SOURCE,
        DetailType: FINDING_DETAIL_TYPE,
        Detail: JSON.stringify(f),
        Resources: [f.listenerArn],
        ...(this.options.eventBusName ? { EventBusName: this.options.eventBusName } : {}),
      }));
      const out = await this.events.send(new PutEventsCommand({ Entries: entries }));
      if ((out.FailedEntryCount ?? 0) > 0) {
        const codes = (out.Entries ?? []).map((e) => e.ErrorCode).filter((c) => c);
        throw new Error(`PutEvents rejected ${out.FailedEntryCount} finding(s): ${codes.join(', ')}`);
      }
    }
    if (this.sns && this.options.topicArn) {
      for (const f of findings) {
        await this.sns.send(
          new PublishCommand({
            TopicArn: this.options.topicArn,
            Subject: `${FINDING_DETAIL_TYPE}: ${f.control} ${f.action}`.slice(0, 100),
            Message: JSON.stringify(f, null, 2),
          }),
        );
      }
    }
  }
}
