import type { Reply, StoredNote, Vendor, VendorRequest } from './types.js';

/**
 * The endpoints ticket-qc's write-back uses, answered the way each vendor
 * documents them (status codes and the body fields a client reads). State is
 * the notes and tags per ticket, so a test can ask "what would a technician —
 * or a customer — see".
 */
export class HelpdeskState {
  readonly notes: StoredNote[] = [];
  readonly #tags = new Map<string, string[]>();
  #nextId = 1000;

  tagsOf(vendor: Vendor, ticket: string): string[] {
    return [...(this.#tags.get(`${vendor}:${ticket}`) ?? [])];
  }

  setTags(vendor: Vendor, ticket: string, tags: string[]): void {
    this.#tags.set(`${vendor}:${ticket}`, [...new Set(tags)]);
  }

  nextId(): string {
    this.#nextId += 1;
    return String(this.#nextId);
  }

  addNote(note: Omit<StoredNote, 'id'>): StoredNote {
    const stored = { ...note, id: this.nextId() };
    this.notes.push(stored);
    return stored;
  }
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const notFound: Reply = {
  status: 404,
  body: { error: 'RecordNotFound', description: 'Not found' },
};
const invalid = (description: string): Reply => ({
  status: 422,
  body: { error: 'RecordInvalid', description },
});

/** Zendesk Tickets API: PUT /api/v2/tickets/{id}.json, PUT|DELETE /api/v2/tickets/{id}/tags. */
function zendesk(s: HelpdeskState, r: VendorRequest): Reply {
  const update = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(r.path);
  if (update?.[1] && r.method === 'PUT') {
    const id = update[1];
    const comment = obj(obj(obj(r.body).ticket).comment);
    const body = typeof comment.body === 'string' ? comment.body : comment.html_body;
    if (typeof body !== 'string' || body === '') return invalid('comment body is required');
    // Zendesk's default for a new comment is public: only an explicit false is internal.
    const note = s.addNote({
      vendor: 'zendesk',
      ticket: id,
      body,
      public: comment.public !== false,
    });
    return {
      status: 200,
      body: {
        ticket: { id: Number(id), tags: s.tagsOf('zendesk', id) },
        audit: {
          id: Number(s.nextId()),
          events: [{ id: Number(note.id), type: 'Comment', body, public: note.public }],
        },
      },
    };
  }
  const comments = /^\/api\/v2\/tickets\/(\d+)\/comments\.json$/.exec(r.path);
  if (comments?.[1] && r.method === 'GET') {
    const list = s.notes
      .filter((n) => n.vendor === 'zendesk' && n.ticket === comments[1])
      .map((n) => ({ id: Number(n.id), type: 'Comment', body: n.body, public: n.public }));
    return {
      status: 200,
      body: { comments: r.query.sort_order === 'desc' ? list.reverse() : list, next_page: null },
    };
  }
  const tags = /^\/api\/v2\/tickets\/(\d+)\/tags$/.exec(r.path);
  if (tags?.[1] && (r.method === 'PUT' || r.method === 'DELETE')) {
    const id = tags[1];
    const given = strings(obj(r.body).tags);
    if (given.length === 0) return invalid('tags is required');
    const now = s.tagsOf('zendesk', id);
    s.setTags(
      'zendesk',
      id,
      r.method === 'PUT' ? [...now, ...given] : now.filter((t) => !given.includes(t)),
    );
    return { status: 200, body: { tags: s.tagsOf('zendesk', id) } };
  }
  return notFound;
}

/** JSM request comment (201) and Jira edit issue with update.labels (204). */
function jira(s: HelpdeskState, r: VendorRequest): Reply {
  const comment = /^\/rest\/servicedeskapi\/request\/([A-Za-z0-9_-]+)\/comment$/.exec(r.path);
  if (comment?.[1] && r.method === 'GET') {
    const values = s.notes
      .filter((n) => n.vendor === 'jira' && n.ticket === comment[1])
      .filter((n) => (n.public ? r.query.public !== 'false' : r.query.internal !== 'false'))
      .map((n) => ({ id: n.id, body: n.body, public: n.public }));
    return {
      status: 200,
      body: { size: values.length, start: 0, limit: 100, isLastPage: true, values },
    };
  }
  if (comment?.[1] && r.method === 'POST') {
    const b = obj(r.body);
    if (typeof b.body !== 'string' || b.body === '')
      return { status: 400, body: { errorMessage: 'body is required', i18nErrorMessage: {} } };
    // "public" defaults to true for the JSM API: only false is internal.
    const note = s.addNote({
      vendor: 'jira',
      ticket: comment[1],
      body: b.body,
      public: b.public !== false,
    });
    return {
      status: 201,
      body: {
        id: note.id,
        body: b.body,
        public: note.public,
        author: { accountId: 'fake-bot', displayName: 'ticket-qc bot' },
        created: { iso8601: new Date().toISOString() },
      },
    };
  }
  const issue = /^\/rest\/api\/3\/issue\/([A-Za-z0-9_-]+)$/.exec(r.path);
  if (issue?.[1] && r.method === 'PUT') {
    const ops = obj(obj(r.body).update).labels;
    if (!Array.isArray(ops)) return { status: 400, body: { errors: { labels: 'no operation' } } };
    let labels = s.tagsOf('jira', issue[1]);
    for (const op of ops) {
      const o = obj(op);
      if (typeof o.add === 'string') labels = [...labels, o.add];
      if (typeof o.remove === 'string') labels = labels.filter((l) => l !== o.remove);
    }
    s.setTags('jira', issue[1], labels);
    return { status: 204 };
  }
  return { status: 404, body: { errorMessages: ['Issue does not exist'], errors: {} } };
}

/** Freshdesk v2: POST notes (201), GET ticket, PUT ticket (tags replace the list). */
function freshdesk(s: HelpdeskState, r: VendorRequest): Reply {
  const notes = /^\/api\/v2\/tickets\/(\d+)\/notes$/.exec(r.path);
  if (notes?.[1] && r.method === 'POST') {
    const b = obj(r.body);
    if (typeof b.body !== 'string' || b.body === '')
      return {
        status: 400,
        body: {
          description: 'Validation failed',
          errors: [{ field: 'body', code: 'missing_field' }],
        },
      };
    // Freshdesk notes are private by default.
    const note = s.addNote({
      vendor: 'freshdesk',
      ticket: notes[1],
      body: b.body,
      public: b.private === false,
    });
    return {
      status: 201,
      body: {
        id: Number(note.id),
        body: b.body,
        private: !note.public,
        ticket_id: Number(notes[1]),
      },
    };
  }
  const conv = /^\/api\/v2\/tickets\/(\d+)\/conversations$/.exec(r.path);
  if (conv?.[1] && r.method === 'GET')
    return {
      status: 200,
      body: s.notes
        .filter((n) => n.vendor === 'freshdesk' && n.ticket === conv[1])
        .map((n) => ({
          id: Number(n.id),
          body: n.body,
          private: !n.public,
          ticket_id: Number(conv[1]),
        })),
    };
  const ticket = /^\/api\/v2\/tickets\/(\d+)$/.exec(r.path);
  if (ticket?.[1] && r.method === 'GET')
    return { status: 200, body: { id: Number(ticket[1]), tags: s.tagsOf('freshdesk', ticket[1]) } };
  if (ticket?.[1] && r.method === 'PUT') {
    const b = obj(r.body);
    if (b.tags !== undefined) s.setTags('freshdesk', ticket[1], strings(b.tags));
    return { status: 200, body: { id: Number(ticket[1]), tags: s.tagsOf('freshdesk', ticket[1]) } };
  }
  return notFound;
}

/** ServiceNow Table API PATCH: work_notes are internal, comments are customer-visible. */
function servicenow(s: HelpdeskState, r: VendorRequest): Reply {
  if (r.path === '/api/now/table/sys_journal_field' && r.method === 'GET') {
    // sysparm_query=element_id=<sys_id>^element=work_notes^valueLIKE<text>
    const q = Object.fromEntries(
      (r.query.sysparm_query ?? '').split('^').map((c) => {
        const m = /^([a-z_]+?)(=|LIKE)(.*)$/.exec(c);
        return m ? [`${m[1]}${m[2]}`, m[3] ?? ''] : [c, ''];
      }),
    );
    const result = s.notes
      .filter((n) => n.vendor === 'servicenow' && n.ticket === q['element_id='])
      .filter((n) => !q['element='] || n.field === q['element='])
      .filter((n) => !q.valueLIKE || n.body.includes(q.valueLIKE))
      .map((n) => ({ sys_id: n.id }));
    return { status: 200, body: { result } };
  }
  const rec = /^\/api\/now\/table\/([a-z_]+)\/([0-9a-f]{32}|[A-Za-z0-9]+)$/.exec(r.path);
  if (rec?.[2] && r.method === 'PATCH') {
    const b = obj(r.body);
    for (const field of ['work_notes', 'comments']) {
      const v = b[field];
      if (typeof v === 'string' && v !== '')
        s.addNote({
          vendor: 'servicenow',
          ticket: rec[2],
          body: v,
          public: field === 'comments',
          field,
        });
    }
    return {
      status: 200,
      body: {
        result: {
          sys_id: rec[2],
          sys_updated_by: 'svc_ticket_qc',
          sys_updated_on: new Date().toISOString().replace('T', ' ').slice(0, 19),
          work_notes: '',
          comments: '',
        },
      },
    };
  }
  return {
    status: 404,
    body: { error: { message: 'No Record found', detail: '' }, status: 'failure' },
  };
}

function generic(s: HelpdeskState, r: VendorRequest): Reply {
  if (r.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
  const b = obj(r.body);
  const ticket = obj(b.ticket);
  s.addNote({
    vendor: 'generic',
    ticket: String(ticket.externalId ?? ''),
    body: typeof b.note === 'string' ? b.note : r.path,
    public: false,
  });
  return { status: 200, body: { ok: true } };
}

export const HANDLERS: Record<Vendor, (s: HelpdeskState, r: VendorRequest) => Reply> = {
  zendesk,
  jira,
  freshdesk,
  servicenow,
  generic,
};

/** Rate-limit headers each vendor sends on every answer (values are illustrative). */
export const RATE_HEADERS: Record<Vendor, Record<string, string>> = {
  zendesk: { 'x-rate-limit': '700', 'x-rate-limit-remaining': '699' },
  jira: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99' },
  freshdesk: {
    'x-ratelimit-total': '400',
    'x-ratelimit-remaining': '399',
    'x-ratelimit-used-currentrequest': '1',
  },
  servicenow: {},
  generic: {},
};
