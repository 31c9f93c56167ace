import * as http from 'node:http';
import * as https from 'node:https';
import { clockWith, finished, retryAfter, waitFor } from '../engine/rules/deadline';
import { CustomResourceResponse } from './types';

/**
 * Delivers the answer to CloudFormation: an HTTP PUT of the JSON body to the pre-signed ResponseURL.
 * The URL is an S3 pre-signed URL whose signature covers an empty Content-Type, so the header is sent
 * explicitly empty (a default like application/json would make S3 refuse the upload).
 */

/** CloudFormation refuses response bodies over 4096 bytes. */
export const MAX_RESPONSE_BYTES = 4096;

export interface PutOptions {
  /** Give up when this epoch-ms time is reached (the Lambda's own deadline minus a margin). */
  deadline: number;
  /** Attempts in all. Default 6. */
  attempts?: number;
  /** First back-off delay; doubles after each failure. Default 1000 ms. */
  backoffMs?: number;
  /** One attempt's time limit. Default 10 000 ms. */
  attemptTimeoutMs?: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type Sender = (url: string, body: string, options: PutOptions) => Promise<void>;

/** Serialises a response, shortening the Reason if the body would exceed CloudFormation's limit. */
export function responseBody(response: CustomResourceResponse): string {
  let body = JSON.stringify(response);
  if (Buffer.byteLength(body) <= MAX_RESPONSE_BYTES) return body;
  const reason = response.Reason ?? '';
  const excess = Buffer.byteLength(body) - MAX_RESPONSE_BYTES;
  const kept = reason.slice(0, Math.max(0, reason.length - excess - 20));
  body = JSON.stringify({ ...response, Reason: `${kept} ...(truncated)` });
  // Data is only sent on success and is small; a body still too large drops it rather than fail.
  if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) body = JSON.stringify({ ...response, Data: undefined });
  return body;
}

function putOnce(url: string, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'http:' ? http : https;
    const request = transport.request(
      target,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The URL without its query string: the signature in it is a credential and stays out of logs. */
const hostAndPath = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
};

/**
 * PUTs the body, retrying network errors and HTTP 5xx/429 with exponential back-off until it is
 * accepted, the attempts run out, or the deadline comes (a pause that would end past it is not
 * taken). Throws when it could not deliver.
 */
export const putResponse: Sender = async (url, body, options) => {
  const attempts = options.attempts ?? 6;
  const clock = clockWith({ now: options.now, sleep: options.sleep });
  const log = options.log ?? (() => undefined);
  let delay = options.backoffMs ?? 1000;
  let lastError = '';
  const result = await waitFor(
    async (attempt) => {
      const left = options.deadline - clock.now();
      try {
        const status = await putOnce(url, body, Math.min(options.attemptTimeoutMs ?? 10_000, left));
        if (status >= 200 && status < 300) return finished(true);
        lastError = `HTTP ${status}`;
        // 4xx other than throttling will not get better by retrying (e.g. an expired URL).
        if (status >= 400 && status < 500 && status !== 429) return finished(false);
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      log(`response PUT to ${hostAndPath(url)} failed (attempt ${attempt}/${attempts}): ${lastError}`);
      const pause = delay;
      delay *= 2;
      return retryAfter(pause);
    },
    // An attempt needs at least a millisecond before the deadline.
    { clock, deadline: options.deadline - 1, maxAttempts: attempts },
  );
  if (result.state === 'done' && result.value) return;
  throw new Error(`could not deliver the response to ${hostAndPath(url)}: ${lastError}`);
};
