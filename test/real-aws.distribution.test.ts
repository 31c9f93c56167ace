import { XMLParser } from 'fast-xml-parser';
import { buildFixture } from '../bench/fixtures';
import { UNMODELED_CONFIG_MEMBER, UNMODELED_ORIGIN_MEMBER } from '../bench/aws-emulator/proxy';
import { editDistributionConfig } from '../src/engine/distribution-xml';
import { create, remove } from './support/lock-harness';
import { useEmulatedBench } from './support/emulated-bench';

/**
 * UpdateDistribution replaces the whole configuration: what the lock sends back must be what it read,
 * members the SDK does not model included, except the custom headers (and, with HttpsOrigin, the
 * protocol policy) of the origins it targets.
 */

const bench = useEmulatedBench();
beforeEach(() => {
  bench.emulator.cloudfront.configsRead.length = 0;
  bench.emulator.cloudfront.configsSent.length = 0;
  bench.emulator.cloudfront.unmodeledMembers = true;
});

type Tree = Record<string, unknown>[];
const parse = (xml: string): Tree =>
  new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false }).parse(xml) as Tree;

/** The document with the named members of the named origins removed, for an exact comparison. */
function without(xml: string, originIds: string[], members: string[]): Tree {
  const walk = (nodes: Tree, inTarget: boolean): Tree =>
    nodes
      .filter((n) => !(inTarget && members.some((m) => m in n)))
      .map((n) => {
        const tag = Object.keys(n).find((k) => k !== ':@') ?? '';
        const children = n[tag];
        if (!Array.isArray(children)) return n;
        const isTarget =
          tag === 'Origin' &&
          (children as Tree).some(
            (c) => 'Id' in c && originIds.includes(String((c.Id as Tree)[0]?.['#text'])),
          );
        return { ...n, [tag]: walk(children as Tree, inTarget || isTarget) };
      });
  return walk(parse(xml), false);
}

test('the document sent equals the one read except the targeted origin headers, unmodelled members included', async () => {
  const f = await buildFixture({ extraOrigins: true, originCustomHeaders: { 'X-Existing': 'keep' } });
  const model = { ListenerArn: f.listenerArn, DistributionId: f.distributionId, SecretArn: f.secretArn };
  const clients = bench.clients();
  expect((await create(clients, model)).final.status).toBe('SUCCESS');
  expect((await remove(clients, model)).final.status).toBe('SUCCESS');

  const { configsRead, configsSent } = bench.emulator.cloudfront;
  expect(configsSent.length).toBe(2); // stamp on CREATE, unstamp on DELETE
  for (const [i, sent] of configsSent.entries()) {
    // Each UpdateDistribution follows the GetDistributionConfig that gave its ETag.
    const read = configsRead[configsRead.length - configsSent.length + i];
    expect(sent).toContain(UNMODELED_ORIGIN_MEMBER);
    expect(sent).toContain(UNMODELED_CONFIG_MEMBER);
    expect(without(sent, f.albOriginIds, ['CustomHeaders'])).toEqual(
      without(read, f.albOriginIds, ['CustomHeaders']),
    );
  }
});

test('only the custom headers and protocol policy of the edited origin change, in document order', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
    '<CallerReference>r&amp;1</CallerReference><Origins><Quantity>2</Quantity><Items>' +
    '<Origin><Id>alb</Id><DomainName>x.elb.amazonaws.com</DomainName><OriginPath></OriginPath>' +
    '<CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>X-Keep</HeaderName><HeaderValue>k</HeaderValue></OriginCustomHeader></Items></CustomHeaders>' +
    '<CustomOriginConfig><HTTPPort>80</HTTPPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy><OriginHttpVersion>http2</OriginHttpVersion></CustomOriginConfig>' +
    '<Future a="1">z</Future></Origin>' +
    '<Origin><Id>other</Id><DomainName>o.example.com</DomainName><CustomHeaders><Quantity>0</Quantity></CustomHeaders></Origin>' +
    '</Items></Origins><Unknown><Deep>1</Deep></Unknown></DistributionConfig>';
  const value = 'a'.repeat(40);
  const stamped = editDistributionConfig(xml, [
    { originId: 'alb', setHeader: { name: 'X-Origin-Verify', value }, protocolPolicy: 'https-only' },
  ]);
  expect(stamped).toContain(
    `<Quantity>2</Quantity><Items><OriginCustomHeader><HeaderName>X-Keep</HeaderName><HeaderValue>k</HeaderValue></OriginCustomHeader><OriginCustomHeader><HeaderName>X-Origin-Verify</HeaderName><HeaderValue>${value}</HeaderValue></OriginCustomHeader></Items>`,
  );
  expect(stamped).toContain(
    '<OriginProtocolPolicy>https-only</OriginProtocolPolicy><OriginHttpVersion>http2</OriginHttpVersion>',
  );
  expect(stamped).toContain('<Future a="1">z</Future>');
  expect(stamped).toContain('<CallerReference>r&amp;1</CallerReference>');
  expect(stamped).toContain('<Unknown><Deep>1</Deep></Unknown>');
  const back = editDistributionConfig(stamped, [
    { originId: 'alb', removeHeader: 'x-origin-verify', protocolPolicy: 'http-only' },
  ]);
  expect(parse(back)).toEqual(parse(xml));
  expect(() => editDistributionConfig(xml, [{ originId: 'gone', removeHeader: 'X' }])).toThrow(
    /OriginId: origin 'gone' disappeared/,
  );
});
