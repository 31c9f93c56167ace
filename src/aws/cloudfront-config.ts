import {
  CloudFrontClient,
  DistributionConfig,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';

/**
 * GetDistributionConfig / UpdateDistribution with the configuration as CloudFront's own XML document
 * instead of the SDK's typed shape, so no member is lost on the way back (see distribution-xml.ts).
 * The SDK still signs, retries and maps errors; a middleware only captures or replaces the body.
 */

type Middleware = (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>;
interface Stack {
  add(mw: Middleware, options: { step: string; priority: string; name: string }): void;
}

async function bodyText(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function readDistributionConfigXml(
  client: CloudFrontClient,
  id: string,
): Promise<{ xml: string; etag?: string }> {
  const command = new GetDistributionConfigCommand({ Id: id });
  let xml = '';
  // Innermost in the deserialize step: sees the raw HTTP response before the SDK parses it.
  (command.middlewareStack as unknown as Stack).add(
    (next) => async (args) => {
      const out = (await next(args)) as { response: { statusCode: number; body: unknown } };
      const raw = await bodyText(out.response.body);
      if (out.response.statusCode < 300) xml = Buffer.from(raw).toString('utf8');
      out.response.body = raw;
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'acmeCaptureDistributionConfig' },
  );
  const out = await client.send(command);
  return { xml, etag: out.ETag };
}

export async function writeDistributionConfigXml(
  client: CloudFrontClient,
  id: string,
  etag: string | undefined,
  xml: string,
): Promise<void> {
  // The typed input only satisfies the command's signature; the body sent is `xml`.
  const command = new UpdateDistributionCommand({
    Id: id,
    IfMatch: etag,
    DistributionConfig: {} as DistributionConfig,
  });
  // Innermost in the serialize step: after the SDK built the request, before length and signature.
  (command.middlewareStack as unknown as Stack).add(
    (next) => async (args) => {
      const { request } = args as { request: { body: unknown; headers: Record<string, string> } };
      request.body = xml;
      delete request.headers['content-length'];
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'acmeSendDistributionConfig' },
  );
  await client.send(command);
}
