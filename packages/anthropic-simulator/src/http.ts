import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError } from './api-error.js';

/** Body reading and JSON replies for node:http, with the API's error envelope. */

export const MESSAGES_BODY_LIMIT = 32 * 1024 * 1024;
export const BATCH_BODY_LIMIT = 256 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(
          new SimApiError(
            'request_too_large',
            `Request exceeds the maximum allowed number of bytes (${limit}).`,
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SimApiError('invalid_request_error', 'The request body is not valid JSON.');
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendApiError(res: ServerResponse, error: SimApiError, requestId: string): void {
  sendJson(res, error.status, error.envelope(requestId), {
    ...error.headers,
    'request-id': requestId,
  });
}
