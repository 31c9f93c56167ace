import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createHandler } from './handler';
import { CustomResourceEvent, LambdaContext } from './types';

/**
 * Lambda entry of Custom::OriginLock (bundled as build/bundle/custom-resource/index.js, handler
 * `index.handler`). See handler.ts for the protocol and docs/custom-resource.md for deployment.
 */

let lambda: LambdaClient | undefined;

/**
 * Continues a request in a new invocation of this same function (same version or alias: the ARN in
 * the context carries the qualifier), asynchronously, so this one can end before its timeout. Needs
 * lambda:InvokeFunction on the function itself.
 */
export async function invokeSelf(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  const functionName = context.invokedFunctionArn ?? context.functionName;
  if (!functionName) throw new Error('the Lambda context names no function to invoke');
  lambda ??= new LambdaClient({ region: process.env.AWS_REGION || functionName.split(':')[3] });
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  if (out.StatusCode !== 202) throw new Error(`Lambda Invoke answered status ${out.StatusCode}`);
}

export const handler = createHandler({ reinvoke: invokeSelf });
