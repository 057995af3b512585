// Security: phishing, MFA fatigue, ransomware-like behaviour, risky sign-ins, EDR.
export default [
  {
    key: 'phish-northgate-reported',
    org: 'northgate',
    req: 'Frank Miller',
    tech: 'jenna',
    at: '10-05 10:35',
    pri: 'urgent',
    cat: 'Security',
    subject: 'Suspicious DocuSign email - did not click',
    desc: 'Several of us got a "DocuSign: Please review Commission Statement Q3" email from an address that is not DocuSign. I did not click it. Attaching as .eml. Frank Miller',
    triage:
      'Reported phishing (DocuSign lure, credential-harvest link) received by several Northgate staff; reporter did not click. Urgent until we know whether anyone clicked or entered credentials (suspected security incident). Use Defender Threat Explorer to find all recipients, check URL click data (Safe Links), purge, and block the sender/URL. If any click-through with credential entry, escalate as a security incident.',
    thread: [
      [
        'a',
        8,
        'Thanks Frank - we are checking now who received it and whether anyone clicked. Please ask staff not to open it; I will update you within the hour.',
      ],
      [
        'n',
        15,
        'Threat Explorer: 14 recipients, sender docs-signing@dcusign-notice.example (registered 3 days ago), URL to a lookalike M365 login page. Safe Links click report: no clicks by any recipient. No sign-ins from unusual locations for the 14 recipients today.',
      ],
      [
        'n',
        25,
        'Soft-deleted all 14 copies via Threat Explorer remediation action (approved in Action center). Added sender domain and URL to Tenant Allow/Block List (block, 90 days). Submitted to Microsoft as phish.',
      ],
      [
        'a',
        35,
        'Thanks for reporting this, Frank - it was a phishing email aimed at stealing Microsoft passwords. It reached 14 people; nobody clicked it, and we have removed it from every mailbox and blocked the sender. No one needs to do anything. Reporting it like you did is exactly right.',
      ],
      ['c', 50, 'Great, thanks for the quick response.'],
    ],
    time: [
      [
        35,
        'Threat Explorer scoping (14 recipients), Safe Links click review (no clicks), sign-in check, purge and block, customer notice.',
      ],
    ],
    tags: ['phishing', 'defender-for-office', 'safe-links'],
    gold: {
      o: 'pass',
      c: 'MMMMMNMMMM',
      why: 'Scoped every recipient, confirmed nobody clicked, purged and blocked: a reported phish with nobody interacting is not a security incident.',
    },
  },
  {
    key: 'phish-kestrel-creds-entered',
    org: 'kestrel',
    req: 'Jordan Ellis',
    tech: 'jenna',
    at: '10-20 14:05',
    pri: 'urgent',
    cat: 'Security',
    subject: 'I think I entered my password on a fake page',
    desc: 'I got an email that looked like it was from opposing counsel with a "secure file" link. It asked me to log in with Microsoft and then showed an error. Now I think it was fake. Jordan Ellis, paralegal',
    triage:
      'Possible account compromise: paralegal Jordan Ellis entered M365 credentials on a phishing page (lure posing as opposing counsel). Urgent - law firm mailbox with privileged client data. Immediately reset password, revoke sessions, check sign-in logs for attacker access (AiTM token theft possible), inbox rules, MFA methods, and sent items; scope other recipients. This is a security incident: escalate to the security lead.',
    thread: [
      [
        'a',
        4,
        "Jordan, thank you - we are locking down your account right now. Please don't click the link again; I'll call you in a few minutes.",
      ],
      [
        'n',
        6,
        'Reset password, revoked all sessions and refresh tokens, set user to require re-registration of MFA. Sign-in logs: successful sign-in 13:52 from 185.x.x.x (hosting provider, Netherlands) with MFA satisfied by token (AiTM proxy) - attacker had a session for ~15 minutes.',
      ],
      [
        'n',
        25,
        'Attacker actions (Unified Audit Log): created inbox rule "..." moving messages containing "invoice", "wire", "payment" to RSS Subscriptions; read 31 messages incl. 4 from client matter 2024-0187; no mail sent; no OneDrive downloads. Removed the rule. Phish also delivered to 6 other staff - purged, none clicked.',
      ],
      [
        'a',
        30,
        'Jordan, thank you for telling us straight away. We have locked the attacker out, changed your password and you will need to set up your Authenticator again - I will call you in 5 minutes to do that with you. Please do not use the email link again and let us know about anything unusual you see.',
      ],
      [
        'n',
        40,
        'Escalated to Northbeam security lead and to Robert Vine (managing partner) per Kestrel incident plan: attacker read privileged client emails - firm must assess notification obligations. Incident record SEC-2026-014 opened.',
      ],
    ],
    status: 'open',
    time: [
      [
        30,
        'Containment: password reset, session/token revocation, MFA re-registration, sign-in and audit log review, malicious inbox rule removed, phish purge.',
      ],
      [15, 'Incident escalation to security lead and managing partner, incident record.'],
    ],
    tags: ['phishing', 'account-compromise', 'aitm', 'incident'],
    gold: {
      o: 'escalate',
      c: 'MMMMNMMMMM',
      esc: ['security_incident'],
      why: 'Confirmed account compromise with an attacker reading privileged client mail: security incident needing a team lead and possible client notification.',
    },
  },
  {
    key: 'mfa-fatigue-pioneer',
    org: 'pioneer',
    req: { name: 'Pioneer SOC (Blackpoint)', email: 'soc-alerts@blackpoint.example' },
    tech: 'jenna',
    at: '10-24 02:40',
    pri: 'urgent',
    cat: 'Security',
    subject: 'ALERT: MFA push bombing followed by approval - mwilliams',
    desc: 'Blackpoint MDR alert: user mwilliams@pioneerccu.example received 23 MFA push requests between 02:11 and 02:31, approved at 02:31 from device "iPhone 13". Successful sign-in from 102.x.x.x (Lagos, NG) to Exchange Online. Session active.',
    triage:
      'MFA fatigue attack: teller Marcus Williams approved a push after 23 prompts at 02:31; attacker has an active Exchange Online session from Nigeria. Urgent security incident for a credit union (NCUA 72-hour notification rule may apply). Contain now: disable account, revoke sessions, reset password, review audit log; enable number matching if not enforced. Escalate to security lead and Pioneer ISO.',
    thread: [
      [
        'n',
        8,
        'Blocked sign-in for mwilliams, revoked sessions at 02:49. Attacker session active 02:31-02:49 (18 min). Number matching was NOT enforced for this user - he was in an exclusion group "MFA-Legacy-Tellers" created for the old teller kiosks.',
      ],
      [
        'n',
        30,
        'Audit: attacker accessed mailbox (MailItemsAccessed 212 items), searched for "member", "account number", "wire"; sent 0 emails; created no rules. 212 items include member PII (loan correspondence). Preserved audit export.',
      ],
      [
        'n',
        45,
        'Called Pioneer ISO Thomas Reid on emergency line 03:25 - informed of incident and PII exposure. He will handle NCUA notification assessment. Removed the MFA-Legacy-Tellers exclusion (kiosks retired in August) so number matching applies to all 41 users.',
      ],
      [
        'a',
        '08:10',
        "Thomas, summary for your incident file: an attacker obtained Marcus Williams's password and sent him 23 sign-in approval requests overnight; he approved one at 2:31am. The attacker had access to his mailbox for 18 minutes and viewed 212 emails, some containing member information. Account locked 2:49am; no emails were sent and no other accounts are affected. Full report to follow today.",
      ],
    ],
    status: 'open',
    time: [
      [
        25,
        'After-hours containment: sign-in block, session revocation, found number-matching exclusion.',
      ],
      [
        40,
        'After hours (Saturday): audit log review of attacker activity, evidence export, ISO notification, removed MFA exclusion group.',
      ],
    ],
    tags: ['mfa-fatigue', 'account-compromise', 'incident', 'pii'],
    gold: {
      o: 'escalate',
      c: 'MNMMNMMMMM',
      esc: ['security_incident'],
      why: 'Account taken over via MFA fatigue with member PII viewed: a regulated security incident that must go to a team lead.',
    },
  },
  {
    key: 'ransomware-cobalt-fileserver',
    org: 'cobalt',
    req: { name: 'SentinelOne', email: 'alerts@sentinelone.example' },
    tech: 'jenna',
    at: '11-01 22:15',
    pri: 'urgent',
    cat: 'Security',
    subject:
      'SentinelOne: Ransomware behaviour detected - CMW-PC-0177 (mass file modification on \\\\CMW-FS01)',
    desc: 'Threat: Behavioral AI - Ransomware. Endpoint CMW-PC-0177 (user: engineering\\dkhan). Process: C:\\Users\\dkhan\\AppData\\Local\\Temp\\svc_updt.exe. Action: killed, quarantined, endpoint network-quarantined. Before mitigation the process renamed 4,812 files on \\\\CMW-FS01\\Engineering to *.kq3x.',
    triage:
      'Ransomware behaviour from workstation CMW-PC-0177: SentinelOne killed the process and network-isolated the endpoint, but 4,812 files on the Engineering share were already encrypted/renamed. Urgent security incident with data impact. Keep the endpoint isolated, determine initial access, check for other infected hosts and lateral movement, identify the clean restore point (Datto) and what changed after it. Escalate immediately.',
    thread: [
      [
        'n',
        10,
        'Confirmed endpoint isolated. No other S1 detections across 62 agents. Disabled dkhan account and revoked sessions. Set \\\\CMW-FS01\\Engineering share to read-only to stop any further writes.',
      ],
      [
        'n',
        40,
        'Initial access (S1 Deep Visibility storyline): dkhan opened "PO_88213.zip" from Gmail in Chrome at 21:52, ran the .js inside -> downloaded svc_updt.exe. Execution 22:03, file renames 22:04-22:09 until S1 killed it. No credential dumping or lateral movement observed.',
      ],
      [
        'n',
        75,
        'Datto: last snapshot of CMW-FS01 at 21:00. Files changed between 21:00 and 22:04 (second-shift CAM outputs) exist only in encrypted form -> ~37 files cannot be recovered unless a decryptor exists. Restoring the 4,812 files from 21:00 snapshot.',
      ],
      [
        'a',
        90,
        'Ray, overnight a malicious file opened on one engineering PC started encrypting files on the Engineering share. Our security software stopped it after about 5 minutes and isolated the PC. We are restoring the affected files from the 9pm backup now; about 37 files saved by second shift between 9 and 10pm may be lost. That PC stays disconnected until it is rebuilt. I will call you at 7am.',
      ],
      ['n', 95, 'Escalated to Northbeam security lead and Marcus Reyes (incident SEC-2026-017).'],
    ],
    status: 'open',
    time: [
      [
        40,
        'After hours (Sunday night): incident containment: verified isolation, account disable, share set read-only, fleet-wide S1 check.',
      ],
      [
        45,
        'After hours (Sunday night): storyline analysis of initial access, Datto restore point analysis, started restore.',
      ],
    ],
    tags: ['ransomware', 'sentinelone', 'incident', 'datto'],
    cf: { asset_tag: 'CMW-PC-0177' },
    gold: {
      o: 'escalate',
      c: 'MNMMNMMMMM',
      esc: ['security_incident', 'data_loss'],
      why: 'Ransomware encrypted thousands of files and about 37 cannot be restored: both a security incident and data loss.',
    },
  },
  {
    key: 'signin-granite-inbox-rule',
    org: 'granite',
    req: { name: 'Microsoft Entra ID Protection', email: 'azure-noreply@microsoft.example' },
    tech: 'marcus',
    at: '10-30 07:55',
    pri: 'urgent',
    cat: 'Security',
    subject:
      'Impossible travel: bwatts@granitepeaktitle signed in from Lagos and Denver within 20 min',
    desc: 'Risk detection: Impossible travel (high). User: Brenda Watts (Escrow Officer). Sign-ins: 06:48 Denver US (Comcast), 07:09 Lagos NG (VPS provider). Both successful.',
    triage:
      'High-risk sign-in for escrow officer Brenda Watts: successful sign-in from a Lagos VPS 21 minutes after a Denver sign-in. Title/escrow = prime wire-fraud target: check for inbox rules and any emails sent with changed wiring instructions; contain first. Urgent; treat as a security incident.',
    thread: [
      [
        'n',
        10,
        'Blocked sign-in, revoked sessions, reset password. Found inbox rule created 07:12 "." : from any sender containing "wire" or "closing" -> move to RSS Feeds, mark read. Removed after export.',
      ],
      [
        'n',
        30,
        'Sent items: at 07:26 the attacker replied in an existing closing thread (file GPT-24-3391, buyer Mendez) with "updated wiring instructions" to a different bank. Closing is scheduled 11/2.',
      ],
      [
        'a',
        35,
        "Diane and Brenda - urgent: someone accessed Brenda's email this morning and sent the Mendez buyer (file GPT-24-3391) fake updated wiring instructions at 7:26am. Please call the buyer right away on a known phone number and tell them NOT to use those instructions. Brenda's account is locked and secured. We are checking the rest of the mailbox now.",
      ],
      [
        'c:Diane Foster',
        50,
        'Buyer reached by phone - they had not sent anything yet. Thank God. What else do we need to do?',
      ],
      [
        'n',
        60,
        'Escalated to Northbeam security lead, Granite management notified; recommended they notify their underwriter and E&O carrier per their incident plan. Incident SEC-2026-016.',
      ],
    ],
    status: 'open',
    time: [
      [
        30,
        'Before hours: containment and mailbox forensics: sign-in block, session revoke, malicious inbox rule, discovered fraudulent wiring email.',
      ],
      [20, 'Urgent customer notification, escalation, incident record.'],
    ],
    tags: ['bec', 'impossible-travel', 'wire-fraud', 'incident'],
    gold: {
      o: 'escalate',
      c: 'MNMMNMMMMM',
      esc: ['security_incident'],
      why: 'Business email compromise with fraudulent wiring instructions sent to a buyer: security incident with financial and legal exposure.',
    },
  },
  {
    key: 's1-alder-false-positive',
    org: 'alder',
    req: 'Mei Chen',
    tech: 'jenna',
    at: '10-07 10:50',
    pri: 'normal',
    cat: 'Security',
    subject: 'Antivirus blocked our Revit add-in',
    desc: 'SentinelOne blocked "pyRevit" this morning and now my Revit toolbar is missing. All the studio uses it.',
    triage:
      "SentinelOne quarantined pyRevit (open-source Revit add-in used studio-wide) on Mei Chen's workstation AFA-WS-0019 after an update. Normal priority (workaround: Revit works without the add-in, productivity hit). Verify it is a false positive (hash, signature, source) before any exclusion; scope the exclusion narrowly.",
    thread: [
      [
        'a',
        10,
        'Hi Mei, looking at it now. Please keep using Revit without the add-in for the moment.',
      ],
      [
        'n',
        20,
        'S1 threat: pyRevit 4.8.16 "pyrevit-cli.exe", engine: Static AI, confidence: suspicious (not malicious). SHA256 matches the official GitHub release asset for 4.8.16; VirusTotal 0/72; installed by Mei from the official installer 10/6. Storyline: no network or persistence behaviour beyond loading into Revit.',
      ],
      [
        'n',
        30,
        'Marked threat as false positive (reason: hash matches official 4.8.16 release, VT 0/72, benign storyline), restored file. Added hash exclusion for the pyRevit 4.8.16 binaries only (not a folder-wide exclusion), scoped to the AFA site. Reported the false positive to SentinelOne.',
      ],
      [
        'a',
        40,
        'Hi Mei, the antivirus was being over-cautious about the new version of pyRevit. I checked it matches the official release exactly and nothing suspicious happened, so I have restored it and told the antivirus to trust this exact version for the whole studio. Restart Revit and the toolbar should be back.',
      ],
      ['c', 50, 'Toolbar is back. Thanks Jenna.'],
    ],
    time: [
      [
        30,
        'False-positive verification (hash vs official release, VT, storyline), restore, narrow hash exclusion, vendor FP report.',
      ],
    ],
    tags: ['sentinelone', 'false-positive', 'revit'],
    cf: { asset_tag: 'AFA-WS-0019' },
    gold: {
      o: 'pass',
      c: 'MMMMMMMMMM',
      why: 'False positive proven (hash, VirusTotal, storyline) before excluding, exclusion scoped by hash, user confirmed: an EDR alert closed with a documented false-positive reason is not an incident.',
    },
  },
  {
    key: 's1-vantage-beacon',
    org: 'vantage',
    req: { name: 'SentinelOne', email: 'alerts@sentinelone.example' },
    tech: 'jenna',
    at: '11-03 13:20',
    pri: 'urgent',
    cat: 'Security',
    subject: 'SentinelOne: Malicious - Cobalt Strike beacon on VEP-LT-0207',
    desc: 'Threat: Cobalt Strike Beacon (malicious, confidence: high). Endpoint VEP-LT-0207 (intern ravi.nair). Source: C:\\Users\\rnair\\Downloads\\AutoCAD_2026_crack\\setup.exe. Action: killed, quarantined. Outbound connection to 45.x.x.x:443 observed before mitigation.',
    triage:
      "Confirmed malicious: Cobalt Strike beacon from a cracked AutoCAD installer on intern laptop VEP-LT-0207; it called out before it was killed. Urgent security incident: isolate the endpoint, reset the user's credentials, hunt for lateral movement across the fleet, reimage. Escalate to security lead.",
    thread: [
      [
        'n',
        5,
        'Network-quarantined VEP-LT-0207 via S1. Disabled rnair, revoked sessions, reset password. Beacon C2 traffic 13:09-13:14 (5 min).',
      ],
      [
        'n',
        40,
        'Hunt: S1 Deep Visibility across all 38 endpoints for the C2 IP/domain, the beacon hash and named pipes - no hits other than VEP-LT-0207. No authentication from VEP-LT-0207 to other hosts in the window. Entra sign-ins for rnair normal. Local admin was not granted (standard user), installer ran as user.',
      ],
      [
        'a',
        60,
        'Laura, an intern downloaded a pirated copy of AutoCAD which contained hacking software. Our security tool stopped it within minutes and cut the laptop off the network; we found no sign that it spread. We will rebuild the laptop today. We recommend a reminder to staff that only company-provided software may be installed, and we can block personal downloads of installers if you want.',
      ],
      ['n', 70, 'Escalated to security lead (SEC-2026-018). Reimage scheduled 16:00.'],
    ],
    status: 'open',
    time: [
      [20, 'Containment: network quarantine, account reset, session revocation.'],
      [40, 'Fleet-wide threat hunt for IOCs, lateral movement check, customer notification.'],
    ],
    tags: ['sentinelone', 'cobalt-strike', 'pirated-software', 'incident'],
    cf: { asset_tag: 'VEP-LT-0207' },
    gold: {
      o: 'escalate',
      c: 'MNMMNMMMMM',
      esc: ['security_incident'],
      why: 'Confirmed malware with command-and-control traffic on a client endpoint: a security incident, however well contained.',
    },
  },
  {
    key: 'lost-laptop-evergreen-unencrypted',
    org: 'evergreen',
    req: 'Dr. Paul Grant',
    tech: 'aisha',
    at: '11-06 19:30',
    pri: 'urgent',
    cat: 'Security',
    subject: 'Left my laptop in an Uber',
    desc: 'I left my work laptop in an Uber tonight after the hospital. Uber has not found it yet. It has my clinic notes. Dr. Paul Grant',
    triage:
      "Lost device: orthopedic surgeon's laptop (EVO-LT-0088) left in a rideshare, not recovered. May contain PHI. Urgent: confirm BitLocker status and last check-in in Intune, issue remote wipe/lock, revoke sessions and reset password. If the disk was not encrypted this is a potential HIPAA breach - escalate to security lead and Evergreen privacy officer.",
    thread: [
      [
        'a',
        6,
        "Dr. Grant, thanks for telling us right away. We are locking the laptop and your account now; I'll call you back within 15 minutes.",
      ],
      [
        'n',
        10,
        'Intune: EVO-LT-0088 last check-in 18:41 today. Compliance: NOT compliant - BitLocker "not encrypted" since a motherboard replacement in September (TPM cleared; encryption policy failed to re-apply and the non-compliance alert was not actioned). Downloads folder sync report shows 27 PDFs named like clinic notes/op reports stored locally.',
      ],
      [
        'n',
        15,
        'Issued remote wipe (pending - device offline). Revoked sessions, reset password, removed device from Entra. Ticket with Uber lost & found.',
      ],
      [
        'a',
        25,
        "Dr. Grant, we have sent a remote wipe command to the laptop - it runs as soon as the laptop connects to the internet - and we have secured your account. Please keep trying Uber. We'll contact Evergreen's privacy officer in the morning as required for a lost device.",
      ],
      [
        'n',
        30,
        'Escalated to security lead and Evergreen privacy officer (Michelle Tate) - unencrypted device with PHI = potential HIPAA breach; their risk assessment needed.',
      ],
    ],
    status: 'open',
    time: [
      [
        35,
        'After hours: lost device response: Intune status/BitLocker check, remote wipe, session revoke, reset, escalation to privacy officer.',
      ],
    ],
    tags: ['lost-device', 'bitlocker', 'hipaa', 'incident'],
    cf: { asset_tag: 'EVO-LT-0088' },
    gold: {
      o: 'escalate',
      c: 'MMMMNMMMMM',
      esc: ['security_incident'],
      why: 'Lost unencrypted laptop holding PHI is a potential HIPAA breach; the BitLocker gap was a missed compliance alert.',
    },
  },
  {
    key: 'exemployee-ironwood-signin',
    org: 'ironwood',
    req: 'Rick Salazar',
    tech: 'diego',
    at: '11-11 08:00',
    pri: 'urgent',
    cat: 'Security',
    subject: 'Tony Russo is still in our Procore and email??',
    desc: 'Tony Russo left 3 weeks ago to work for a competitor. One of our subs just told me Tony emailed them yesterday from his Ironwood address about our Lakeview bid. How is his account still working?! Rick Salazar, Operations',
    triage:
      'Former foreman Tony Russo (left ~10/21 to a competitor) still has an active M365 account and emailed a subcontractor about a live bid yesterday. Urgent security incident: possible misuse of company data by a departed employee. Check whether an offboarding ticket exists, block sign-in now, revoke sessions, preserve and review audit logs (mail sent, SharePoint downloads), and escalate.',
    thread: [
      [
        'a',
        5,
        "Rick, understood - we are blocking Tony's account right now and will check what it was used for. Update within the hour.",
      ],
      [
        'n',
        8,
        'Blocked sign-in for trusso, revoked sessions. Searched PSA: no offboarding ticket was ever received for Tony (HR form not sent to us). Account had Procore SSO.',
      ],
      [
        'n',
        40,
        'Audit log since 10/21: 9 emails sent to 3 subcontractors and 1 external Gmail; SharePoint "Estimating" library: 143 files downloaded on 10/30 incl. Lakeview bid workbook. Exported evidence. Removed from Procore (SSO group) and all groups.',
      ],
      [
        'a',
        45,
        "Rick, Tony's access is shut off as of 8:08 this morning. We never received an offboarding request for him, so his account stayed active. Since he left he sent 9 emails and downloaded 143 files from the Estimating library, including the Lakeview bid. We have saved all of that as evidence. We are escalating this internally and our service manager will call you to go through it.",
      ],
      ['c', 60, 'Unbelievable. Yes call me. I need to know exactly what he took.'],
    ],
    status: 'open',
    time: [
      [
        50,
        'Containment of ex-employee account, audit log review (mail + SharePoint downloads), evidence export, Procore SSO removal.',
      ],
    ],
    tags: ['ex-employee', 'insider-threat', 'offboarding-gap', 'incident'],
    gold: {
      o: 'escalate',
      c: 'MMMMNMMMMM',
      esc: ['security_incident'],
      why: 'Departed employee used a still-active account to take bid data to a competitor: a security incident.',
    },
  },
  {
    key: 'phishsim-stbrendan-request',
    org: 'stbrendan',
    req: 'Anne Morrison',
    tech: 'jenna',
    at: '10-13 14:10',
    pri: 'low',
    cat: 'Security',
    subject: 'Run a phishing test for staff before Thanksgiving',
    desc: 'The board asked us to do a phishing awareness test for all faculty and staff before Thanksgiving break. Can you set that up? Anne Morrison',
    triage:
      "Request: KnowBe4 phishing simulation for all St. Brendan's faculty/staff (~140) before Thanksgiving (11/25). Low priority, planned. Agree template difficulty, timing (avoid parent-teacher conference week), and allow-listing of KnowBe4 in Defender so the simulation is delivered.",
    thread: [
      [
        'a',
        30,
        'Hi Anne, proposal: one KnowBe4 campaign to all 141 staff, sent at random times over Nov 16-20 (after conferences), using two medium-difficulty templates (a "gradebook sync" notice and a shared-document link). Anyone who clicks gets a 5-minute training module. Results to you on Nov 23. OK?',
      ],
      ['c', 90, 'Approved, thanks.'],
      [
        'n',
        120,
        'Defender: configured Advanced Delivery phishing simulation entries for KnowBe4 sending IPs/domains. Campaign "SBA Nov 2026" scheduled 11/16-11/20, 141 recipients synced from Entra group All-Staff.',
      ],
      [
        'n',
        '+38 10:00',
        'Campaign delivered to 141/141 (no Defender blocks). Early results: 9 clicks, 2 data entered, 27 reported via Phish Alert button.',
      ],
      [
        'a',
        '+38 10:10',
        'Update: the test went out to all 141 staff and was delivered to everyone. So far 9 people clicked (they have been assigned the short training) and 27 reported it with the Phish Alert button, which is great. Full report on Nov 23 as planned.',
      ],
    ],
    status: 'pending',
    time: [
      [40, 'Campaign design, Defender advanced delivery config for simulation, scheduling.'],
      [15, 'Delivery check and interim results.'],
    ],
    tags: ['knowbe4', 'phishing-simulation', 'security-awareness'],
    gold: {
      o: 'pass',
      c: 'MMMNNMMMMM',
      why: 'Well-planned, approved simulation with delivery confirmed and interim results; final report pending as agreed.',
    },
  },
  {
    key: 'riskysignin-foxglove-blocked',
    org: 'foxglove',
    req: { name: 'Microsoft Entra ID Protection', email: 'azure-noreply@microsoft.example' },
    tech: 'jenna',
    at: '10-22 07:40',
    pri: 'urgent',
    cat: 'Security',
    subject: 'Risky sign-in: leo.park - password spray, blocked by Conditional Access',
    desc: 'Risk detection: Password spray (medium). User: Leo Park. 14 failed and 1 successful primary authentication from 3 IPs in Romania; sign-in blocked by Conditional Access policy "Block non-US".',
    triage:
      'Entra ID Protection: password spray against Leo Park with one correct password, blocked by the geo Conditional Access policy. Password is likely known to an attacker even though access was blocked. Urgent (suspected security incident until proven otherwise): reset the password, confirm no successful sign-in anywhere (incl. legacy protocols), check MFA methods. A correct password from abroad means the credential is compromised: treat as a security incident even though access was blocked.',
    thread: [
      [
        'n',
        10,
        'Sign-in logs (all apps, incl. non-interactive and legacy): the one correct-password attempt was blocked by CA at 07:31; no successful sign-ins outside the US in 30 days; legacy auth is disabled tenant-wide. MFA methods unchanged since 2025. Password found in a 2025 third-party breach corpus (HIBP via our Breach Secure Now feed - he reused it).',
      ],
      [
        'n',
        18,
        'Forced password reset at next sign-in + revoked sessions. Dismissed user risk after reset.',
      ],
      [
        'a',
        '08:05',
        "Hi Leo, someone overseas tried your Microsoft password this morning. Our security settings blocked them and they never got into your account. Your password was one that appeared in another company's data breach, so we've asked you to set a new one at your next sign-in - please use one you don't use anywhere else (your Bitwarden can generate one).",
      ],
      ['c:Leo Park', '08:40', 'Changed it, using Bitwarden now. Thanks.'],
    ],
    time: [
      [
        30,
        'Before hours: sign-in log review incl. legacy/non-interactive, breach check, forced reset, risk dismissal, user notice.',
      ],
    ],
    tags: ['entra-id-protection', 'password-spray', 'conditional-access'],
    gold: {
      o: 'escalate',
      esc: ['security_incident'],
      c: 'MNMMMNMMMM',
      why: 'The correct password was used from abroad, so the credential is compromised even though Conditional Access blocked the sign-in; containment is well documented, but this is still a security incident.',
    },
  },
  {
    key: 'usb-pioneer-policy',
    org: 'pioneer',
    req: 'Thomas Reid',
    tech: 'marcus',
    at: '10-26 11:45',
    pri: 'low',
    cat: 'Security',
    subject: 'Block USB storage on teller and member services PCs',
    desc: 'Our auditors recommend blocking USB storage on all branch PCs. Exceptions: the two check scanners (they are USB but not storage). Thomas Reid, VP Operations',
    triage:
      'Change request from Pioneer VP Ops (audit finding): block removable storage on branch PCs via Intune device control, keeping Panini check scanners working (USB imaging devices, not mass storage). Low priority, planned change; pilot on one branch first.',
    thread: [
      [
        'a',
        30,
        "Hi Thomas, thanks. We'll pilot the block at Elm St first and check the check scanners, then ask for your go-ahead before rolling it out to all branches.",
      ],
      [
        'n',
        40,
        'Intune: Endpoint security > Attack surface reduction > Device control profile "PCU - Block removable storage" (Deny read/write for removable disks, WPD), assigned to pilot group "PCU-Elm-PCs" (9 PCs). Panini Vision X class is "Image" not "DiskDrive" - unaffected.',
      ],
      [
        'n',
        '+2 10:00',
        'Pilot test at Elm St: USB stick blocked (toast message shown), Panini scanners scanned 5 test checks OK, Jabra headsets fine. No complaints in 2 days.',
      ],
      [
        'a',
        '+2 10:30',
        'Thomas, the USB storage block has been piloted at Elm St for two days: USB drives are blocked, check scanners and headsets work normally. With your OK I will roll it out to all branches tomorrow at 7am.',
      ],
      ['c', '+2 11:00', 'OK to roll out.'],
      [
        'n',
        '+3 07:30',
        'Assigned to "PCU-All-Branch-PCs" (41 PCs). Device control report: 41/41 applied by 09:00.',
      ],
      [
        'a',
        '+3 09:15',
        'Rolled out to all 41 branch PCs and confirmed applied on every one. For your audit file: policy name "PCU - Block removable storage", applied today at 7:30am to group "PCU-All-Branch-PCs"; exceptions: check scanners (not storage devices).',
      ],
    ],
    time: [
      [40, 'Built Intune device control profile, assigned to pilot group.'],
      [20, 'Pilot verification with scanners and headsets.'],
      [15, 'Before hours: production rollout and compliance report.'],
    ],
    tags: ['intune', 'device-control', 'usb', 'audit'],
    gold: {
      o: 'pass',
      c: 'MMMNMNMMMM',
      why: 'Change piloted, tested against the exception, approved before rollout, coverage verified.',
    },
  },
  {
    key: 'phish-summit-deleted',
    org: 'summit',
    req: 'Jake Moreno',
    tech: 'tom',
    at: '11-04 09:15',
    pri: 'normal',
    cat: 'Security',
    subject: 'FW: Your mailbox storage is full - verify now',
    desc: 'Is this real? Got it this morning. Jake',
    triage:
      'Practice manager forwarded a likely phishing email ("mailbox storage full - verify now"). Normal priority; determine whether others received it and whether anyone clicked (Defender Threat Explorer, Safe Links), purge and block. Reply to Jake with guidance.',
    thread: [
      ['n', 10, 'phishing. deleted it from his mailbox'],
      ['a', 11, "It's phishing, I deleted it. Don't click those."],
    ],
    time: [[5, '']],
    tags: ['phishing'],
    gold: {
      o: 'fail',
      c: 'MMPPXXXPMM',
      pat: ['time_logged_without_notes'],
      why: "Only the reporter's copy deleted; never checked other recipients or clicks as triage asked, no block, curt reply.",
    },
  },
  {
    key: 'pua-lantern-wavebrowser',
    org: 'lantern',
    req: { name: 'Microsoft Defender for Endpoint', email: 'defender-noreply@microsoft.example' },
    tech: 'ben',
    at: '11-17 15:05',
    pri: 'normal',
    cat: 'Security',
    subject: 'Defender: PUA:Win32/WaveBrowser detected on LBR-LT-0033',
    desc: 'Potentially unwanted application detected: PUA:Win32/WaveBrowser. Device LBR-LT-0033 (agent Marco Diaz). Status: partially remediated - scheduled task persists.',
    triage:
      'Defender PUA detection (Wave Browser, a known browser hijacker bundled with free PDF tools) on agent laptop LBR-LT-0033, only partly removed. Normal priority: unwanted software, not malware with C2 - remove fully, check for browser extensions/search hijack, find out how it got installed.',
    thread: [
      [
        'n',
        25,
        'Live response: removed Wave Browser install dir in %LOCALAPPDATA%, 2 scheduled tasks (Wavesor SWUpdater), Run key; Edge/Chrome default search reset. Source: "PDF Converter Pro" installer downloaded by Marco from an ad on 11/16. Full Defender scan clean.',
      ],
      [
        'a',
        35,
        "Hi Marco, a free PDF converter you downloaded yesterday also installed an unwanted browser called Wave Browser, which changes your search and shows ads. I've removed it completely and your browsers are back to normal. For PDFs, please use Adobe Acrobat (already on your laptop) - and ask us before installing free tools.",
      ],
      ['c:Marco Diaz', 60, 'Sorry about that. Browser looks normal again.'],
      [
        'n',
        65,
        'Proposed to Jessica Ward: enable Defender PUA protection in block mode for all Lantern devices (currently audit). Sent as change request.',
      ],
    ],
    time: [
      [
        35,
        'Live response cleanup of Wave Browser persistence, browser reset, full scan, user education, PUA block-mode proposal.',
      ],
    ],
    tags: ['defender-for-endpoint', 'pua', 'cleanup'],
    cf: { asset_tag: 'LBR-LT-0033' },
    gold: {
      o: 'escalate',
      esc: ['security_incident'],
      c: 'MNMMMMMMMM',
      why: 'A true-positive EDR detection (a browser hijacker with persistence) on a company laptop; the removal is thorough and confirmed, but the rules still escalate it as a security incident.',
    },
  },
];
