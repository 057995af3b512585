import { newRedactTable, type Redactor, type RedactTable } from '../ticket/redact.js';

/**
 * QC_REDACT at the one place every model call passes: the Anthropic client's
 * `fetch`. QC grading, repairs, tier-ups, shadows, backtests, evaluations,
 * Message Batches and the chief's evidence all go through it, so no caller
 * can forget.
 *
 * Only data is redacted, never instructions: the text between `<ticket>` and
 * `</ticket>` or `<evidence>` and `</evidence>` in user messages (the product
 * JSON-encodes that data with `<` escaped, so it cannot forge a closing
 * tag), plus every string of `tool_use`/`tool_result` blocks (model output
 * about that data). System blocks, tools and the context files the chief
 * revises are sent as they are. One placeholder table per request, or per
 * batch entry: a batch entry is one ticket.
 */

const DATA = /(<(ticket|evidence)>)([\s\S]*?)(<\/\2>)/g;

type Json = Record<string, unknown>;

function redactBlock(block: unknown, r: Redactor, table: RedactTable): unknown {
  if (!block || typeof block !== 'object') return block;
  const b = block as Json;
  if (b.type === 'text' && typeof b.text === 'string') {
    return { ...b, text: redactData(b.text, r, table) };
  }
  if (b.type === 'tool_use') return { ...b, input: r.deep(b.input, table) };
  if (b.type === 'tool_result') return { ...b, content: r.deep(b.content, table) };
  return b;
}

/**
 * The delimited data regions of a prompt text, redacted. A region holding
 * JSON (the ticket, the chief's evidence) is redacted string literal by
 * string literal, on the decoded text, and re-encoded with `<` escaped, so
 * an escape such as `\n` never hides a value and the layout stays the same.
 */
function redactData(text: string, r: Redactor, table: RedactTable): string {
  return text.replace(DATA, (_m, open: string, _tag: string, inner: string, close: string) => {
    let json = false;
    try {
      JSON.parse(inner);
      json = true;
    } catch {
      // plain text
    }
    return open + (json ? redactJsonText(inner, r, table) : r.text(inner, table)) + close;
  });
}

const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;

function redactJsonText(json: string, r: Redactor, table: RedactTable): string {
  return json.replace(STRING_LITERAL, (literal) => {
    const decoded = JSON.parse(literal) as string;
    const redacted = r.text(decoded, table);
    return redacted === decoded ? literal : JSON.stringify(redacted).replace(/</g, '\\u003c');
  });
}

/** A Messages request body (`messages` only), redacted with a fresh table. */
function redactMessagesParams(params: Json, r: Redactor): Json {
  if (!Array.isArray(params.messages)) return params;
  const table = newRedactTable();
  return {
    ...params,
    messages: params.messages.map((m: unknown) => {
      if (!m || typeof m !== 'object') return m;
      const msg = m as Json;
      const content =
        typeof msg.content === 'string'
          ? redactData(msg.content, r, table)
          : Array.isArray(msg.content)
            ? msg.content.map((b) => redactBlock(b, r, table))
            : msg.content;
      return { ...msg, content };
    }),
  };
}

function redactBody(path: string, body: Json, r: Redactor): Json {
  if (/\/v1\/messages\/batches$/.test(path) && Array.isArray(body.requests)) {
    return {
      ...body,
      requests: body.requests.map((q: unknown) => {
        const req = q as Json;
        return req?.params && typeof req.params === 'object'
          ? { ...req, params: redactMessagesParams(req.params as Json, r) }
          : req;
      }),
    };
  }
  if (/\/v1\/messages(\/count_tokens)?$/.test(path)) return redactMessagesParams(body, r);
  return body;
}

function urlOf(input: Parameters<typeof fetch>[0]): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
}

/** `fetch` for the Anthropic client that redacts request bodies first. */
export function redactingFetch(r: Redactor, inner: typeof fetch = fetch): typeof fetch {
  if (!r.enabled) return inner;
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = urlOf(input).pathname;
    const noBody = init?.body === undefined || init.body === null;
    if (method !== 'POST' || !/\/v1\/messages/.test(path) || noBody) return inner(input, init);
    const raw =
      typeof init?.body === 'string'
        ? init.body
        : init?.body instanceof Uint8Array
          ? Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength).toString()
          : undefined;
    if (raw === undefined) {
      // Fail closed: a body this wrapper cannot read must not leave unredacted.
      throw new Error(`QC_REDACT: cannot redact a ${typeof init?.body} request body for ${path}`);
    }
    const body = redactBody(path, JSON.parse(raw) as Json, r);
    const headers = new Headers(init.headers);
    headers.delete('content-length');
    return inner(input, { ...init, headers, body: JSON.stringify(body) });
  };
}
