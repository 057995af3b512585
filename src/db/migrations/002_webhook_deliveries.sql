-- One row per accepted webhook delivery: what arrived, when, and which ticket
-- version it produced. A vendor's delivery id (Jira's
-- X-Atlassian-Webhook-Identifier, Zendesk's event id, an X-Delivery-Id) is the
-- same across its retries, so a retry is recognised and adds nothing.
-- Rejected deliveries are not stored here (they are counted in /metrics and
-- logged): an unauthenticated caller must not be able to fill the database.

CREATE TABLE webhook_deliveries (
  id            BIGSERIAL PRIMARY KEY,
  source        TEXT        NOT NULL,
  delivery_id   TEXT,                      -- null when the source sends none
  received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  ticket_id     BIGINT      REFERENCES tickets(id) ON DELETE SET NULL,
  content_hash  TEXT,
  new_version   BOOLEAN     NOT NULL,      -- false: the content was already stored
  body_sha256   TEXT        NOT NULL       -- of the raw body, for tracing a delivery
);
CREATE UNIQUE INDEX webhook_deliveries_delivery_idx
  ON webhook_deliveries (source, delivery_id) WHERE delivery_id IS NOT NULL;
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_ticket_idx ON webhook_deliveries (ticket_id);
