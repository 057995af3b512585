import { freshdeskSteps } from './freshdesk.js';
import { genericSteps } from './generic.js';
import { jiraSteps } from './jira.js';
import { servicenowSteps } from './servicenow.js';
import type { Step, Target, Write } from './types.js';
import { zendeskSteps } from './zendesk.js';

export { jiraWiki } from './jira.js';
export type { Part, Step, Target, Vendor, Write } from './types.js';

export function stepsFor(t: Target, w: Write): Step[] {
  switch (t.vendor) {
    case 'zendesk':
      return zendeskSteps(t, w);
    case 'jira':
      return jiraSteps(t, w);
    case 'freshdesk':
      return freshdeskSteps(t, w);
    case 'servicenow':
      return servicenowSteps(t, w);
    case 'generic':
      return genericSteps(t, w);
  }
}
