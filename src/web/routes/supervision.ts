import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import { ruleAgreement, secondOpinionSavings } from '../../db/second-opinions.js';
import { BUCKETS, spendByBucket, ticketSupervision } from '../../db/supervision.js';
import { MIN_SAMPLE, routingVerdict } from '../../eval/agreement.js';
import { badge, int, pct, ratio, usd } from '../../format/display.js';
import { html } from '../../format/html.js';
import { policyFor } from '../../qc/second-opinion.js';
import { gradeSettings } from '../../runtime.js';
import { secondOpinionSection } from '../views/second-opinions.js';
import { render } from './common.js';
import { DaysQuery } from './inputs.js';
import { rangeOf, rangePicker, tile } from './range.js';

/**
 * Cost of supervision: how much of the work and the money went to the
 * stronger model and to people, and whether the cheap model is good enough.
 */
export function registerSupervisionRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string; now: () => Date; config: Config },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/supervision', { schema: { querystring: DaysQuery } }, async (req, reply) => {
    const { days, range } = rangeOf(req.query.days, d.now(), 30);
    const [spend, t, opinions, agreement] = await Promise.all([
      spendByBucket(d.pool, range),
      ticketSupervision(d.pool, range),
      secondOpinionSavings(d.pool, range.since),
      ruleAgreement(d.pool, d.config.QC_SECOND_OPINION_WINDOW),
    ]);
    const so = gradeSettings(d.config).secondOpinion;
    const policies = new Map(
      so
        ? opinions.map((o) => [
            o.rule,
            policyFor(
              o.rule,
              agreement.find((a) => a.rule === o.rule),
              so,
            ),
          ])
        : [],
    );
    const total = BUCKETS.reduce((s, b) => s + spend[b].costUsd, 0);
    const supervised =
      spend['tier-ups'].costUsd + spend['shadow grading'].costUsd + spend['chief of staff'].costUsd;
    const v = routingVerdict(t.shadowAccepted, t.shadowed);
    const tone = v.verdict === 'works' ? 'good' : v.verdict === 'does not work' ? 'bad' : 'warn';
    const interval = v.interval ? `${pct(v.interval.low, 0)}–${pct(v.interval.high, 0)}` : '—';
    const body = html`<h1>Cost of supervision</h1>
      <p class="sub">The true cost of the cheap worker: the share of tickets and spend that needed the stronger model, and the verdicts leads overturned.</p>
      ${rangePicker(`${d.base}/supervision`, days)}
      <section class="card"><div class="verdict ${tone}" data-verdict="${v.verdict}">Is the cheap model good enough? ${v.verdict === 'works' ? 'Yes — routing works.' : v.verdict === 'does not work' ? 'No — it is not good enough for this job.' : 'Inconclusive.'}</div>
        <p>${v.why}.</p>
        <table class="kv"><tbody>
          <tr><th>Shadow samples re-graded by ${d.config.QC_STRONG_MODEL}</th><td class="num">${int(v.reviewed)}</td></tr>
          <tr><th>Outcome accepted by the strong model</th><td class="num">${int(v.accepted)} (${pct(v.acceptance)})</td></tr>
          <tr><th>95% Wilson interval for acceptance</th><td class="num">${interval}</td></tr>
          <tr><th>Tier-ups where the strong model kept the cheap outcome</th><td class="num">${int(t.tierUpAccepted)} of ${int(t.tierUpCompared)} (${pct(ratio(t.tierUpAccepted, t.tierUpCompared))})</td></tr>
        </tbody></table>
        <p class="small muted">Rule of thumb: accepting 80% or more means routing works; rejecting over 40% means it does not; in between, or under ${MIN_SAMPLE} samples, inconclusive. Only random shadow samples count — tier-ups are the hard cases by design.</p></section>
      <div class="tiles">${[
        tile('Tickets graded', int(t.graded)),
        tile(
          'Needed the strong model',
          pct(ratio(t.strongSeen, t.graded)),
          `${int(t.tierUps)} tier-ups · ${int(t.shadowed)} shadowed`,
        ),
        tile(
          'Spend on supervision',
          pct(ratio(supervised, total)),
          `${usd(supervised)} of ${usd(total)}`,
        ),
        tile(
          'Overturned by leads',
          pct(ratio(t.overridden, t.graded)),
          `${int(t.overridden)} tickets`,
        ),
      ]}</div>
      <section class="card"><h2>Where the money went</h2><table><thead><tr><th>Work</th><th class="num">Calls</th><th class="num">Cost</th><th class="num">Share</th><th style="width:35%"></th></tr></thead><tbody>${BUCKETS.map(
        (b) => {
          const share = ratio(spend[b].costUsd, total) ?? 0;
          return html`<tr><td>${b}${b === 'cheap grading' ? '' : html` ${badge(b === 'evaluation' || b === 'other' ? 'other' : 'supervision', b === 'evaluation' || b === 'other' ? 'muted' : 'info')}`}</td>
          <td class="num">${int(spend[b].calls)}</td><td class="num">${usd(spend[b].costUsd)}</td><td class="num">${pct(share)}</td>
          <td><div class="bar"><span style="width:${(100 * share).toFixed(1)}%"></span></div></td></tr>`;
        },
      )}</tbody></table></section>
      ${secondOpinionSection(opinions, policies, {
        threshold: d.config.QC_SECOND_OPINION_THRESHOLD,
        minSamples: d.config.QC_SECOND_OPINION_MIN,
        sampleRate: d.config.QC_SECOND_OPINION_SAMPLE_RATE,
      })}`;
    return render(req, reply, d.base, {
      title: 'Cost of supervision',
      active: 'supervision',
      body,
    });
  });
}
