/**
 * A Messages request body as bytes (issue 13). The system blocks and tools of
 * a context are tens of kB and the same for every call: the SDK would
 * serialize them with the whole body on every call (JSON.stringify, then a
 * UTF-8 encoding in fetch). Frozen parts — a context's blocks and tool
 * (src/qc/context.ts), the second opinion's (src/qc/second-opinion-call.ts)
 * — are serialized once and their bytes reused; the rest (the messages, a
 * few kB) each call. The result is the same JSON as JSON.stringify(params).
 */

const encoded = new WeakMap<object, Buffer>();

function bytesOf(v: unknown): Buffer {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v))
    return Buffer.from(JSON.stringify(v) ?? 'null');
  let b = encoded.get(v);
  if (!b) {
    b = Buffer.from(JSON.stringify(v));
    encoded.set(v, b);
  }
  return b;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** An array element by element, so frozen elements in a fresh array are reused too. */
function arrayParts(a: readonly unknown[], out: Buffer[]): void {
  if (Object.isFrozen(a)) {
    out.push(bytesOf(a));
    return;
  }
  out.push(OPEN);
  a.forEach((el, i) => {
    if (i > 0) out.push(COMMA);
    out.push(bytesOf(el));
  });
  out.push(CLOSE);
}

/** The model each body was built for: the rate limiter paces by model (src/llm/rate-middleware.ts). */
const models = new WeakMap<Uint8Array, string>();

export function modelOfBody(body: unknown): string | undefined {
  return body instanceof Uint8Array ? models.get(body) : undefined;
}

export interface MessagesParams {
  model: string;
  max_tokens: number;
  system: readonly unknown[];
  tools: readonly unknown[];
  tool_choice: unknown;
  messages: readonly unknown[];
}

export function messagesBody(p: MessagesParams): Buffer {
  const out: Buffer[] = [
    Buffer.from(`{"model":${JSON.stringify(p.model)},"max_tokens":${p.max_tokens},"system":`),
  ];
  arrayParts(p.system, out);
  out.push(Buffer.from(',"tools":'));
  arrayParts(p.tools, out);
  out.push(Buffer.from(`,"tool_choice":${JSON.stringify(p.tool_choice)},"messages":`));
  arrayParts(p.messages, out);
  out.push(Buffer.from('}'));
  const body = Buffer.concat(out);
  models.set(body, p.model);
  return body;
}
