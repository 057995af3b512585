// The recurring people and clients of the example set.
// Northbeam IT is a fictional US (Eastern time) managed-service provider; every
// domain uses the reserved `.example` TLD so no address in the set is real.

export const MSP_DOMAIN = 'northbeamit.example';

/** Technicians who own tickets (assignees). Keys are used by the scenarios. */
export const TECHS = {
  marcus: { name: 'Marcus Reyes', id: 'tech-01' },
  aisha: { name: 'Aisha Patel', id: 'tech-02' },
  tom: { name: 'Tom Kowalski', id: 'tech-03' },
  jenna: { name: 'Jenna Liu', id: 'tech-04' },
  diego: { name: 'Diego Alvarez', id: 'tech-05' },
  sam: { name: "Sam O'Connor", id: 'tech-06' },
  grace: { name: 'Grace Mbeki', id: 'tech-07' },
  ben: { name: 'Ben Okafor', id: 'tech-08' },
  hannah: { name: 'Hannah Schmidt', id: 'tech-09' },
  luis: { name: 'Luis Romero', id: 'tech-10' },
};

/** Service coordinators (Owen Price also handles account management) who sometimes triage by hand. */
export const DISPATCHERS = ['Rachel Kim', 'Owen Price'];

/** Client organizations: display name, mail domain, asset-tag prefix, contract. */
export const ORGS = {
  harborview: {
    name: 'Harborview Dental Group',
    domain: 'harborviewdental.example',
    tag: 'HDG',
    contract: 'Managed Pro',
  },
  kestrel: {
    name: 'Kestrel & Vine LLP',
    domain: 'kestrelvine.example',
    tag: 'KV',
    contract: 'Managed Pro',
  },
  brightwater: {
    name: 'Brightwater Logistics',
    domain: 'brightwaterlogistics.example',
    tag: 'BWL',
    contract: 'Managed Pro',
  },
  summit: {
    name: 'Summit Ridge Veterinary',
    domain: 'summitridgevet.example',
    tag: 'SRV',
    contract: 'Managed Essentials',
  },
  oakline: {
    name: 'Oakline Property Management',
    domain: 'oaklinepm.example',
    tag: 'OPM',
    contract: 'Block hours',
  },
  meridian: {
    name: 'Meridian Family Practice',
    domain: 'meridianfp.example',
    tag: 'MFP',
    contract: 'Managed Pro',
  },
  cobalt: {
    name: 'Cobalt Machine Works',
    domain: 'cobaltmachine.example',
    tag: 'CMW',
    contract: 'Managed Pro',
  },
  lantern: {
    name: 'Lantern Bay Realty',
    domain: 'lanternbay.example',
    tag: 'LBR',
    contract: 'Managed Essentials',
  },
  stbrendan: {
    name: "St. Brendan's Academy",
    domain: 'stbrendans.example',
    tag: 'SBA',
    contract: 'Managed Pro',
  },
  pioneer: {
    name: 'Pioneer Community Credit Union',
    domain: 'pioneerccu.example',
    tag: 'PCU',
    contract: 'Managed Security',
  },
  alder: {
    name: 'Alder & Finch Architects',
    domain: 'alderfinch.example',
    tag: 'AFA',
    contract: 'Managed Pro',
  },
  coastal: {
    name: 'Coastal Pediatrics',
    domain: 'coastalpeds.example',
    tag: 'CPD',
    contract: 'Managed Pro',
  },
  redline: {
    name: 'Redline Freight',
    domain: 'redlinefreight.example',
    tag: 'RLF',
    contract: 'Managed Essentials',
  },
  bluestem: {
    name: 'Bluestem Accounting',
    domain: 'bluestemcpa.example',
    tag: 'BSA',
    contract: 'Managed Pro',
  },
  maplecourt: {
    name: 'Maple Court Senior Living',
    domain: 'maplecourt.example',
    tag: 'MCS',
    contract: 'Managed Pro',
  },
  ironwood: {
    name: 'Ironwood Construction',
    domain: 'ironwoodbuild.example',
    tag: 'IWC',
    contract: 'Managed Essentials',
  },
  northgate: {
    name: 'Northgate Insurance Agency',
    domain: 'northgateins.example',
    tag: 'NIA',
    contract: 'Managed Pro',
  },
  silverpine: {
    name: 'Silverpine Hotels',
    domain: 'silverpinehotels.example',
    tag: 'SPH',
    contract: 'Block hours',
  },
  tidewater: {
    name: 'Tidewater Marine Supply',
    domain: 'tidewatermarine.example',
    tag: 'TMS',
    contract: 'Managed Essentials',
  },
  foxglove: {
    name: 'Foxglove Creative',
    domain: 'foxglovecreative.example',
    tag: 'FXC',
    contract: 'Block hours',
  },
  granite: {
    name: 'Granite Peak Title & Escrow',
    domain: 'granitepeaktitle.example',
    tag: 'GPT',
    contract: 'Managed Security',
  },
  evergreen: {
    name: 'Evergreen Orthopedics',
    domain: 'evergreenortho.example',
    tag: 'EVO',
    contract: 'Managed Pro',
  },
  hollis: {
    name: 'Hollis Brewing Co.',
    domain: 'hollisbrewing.example',
    tag: 'HBC',
    contract: 'Managed Essentials',
  },
  westbrook: {
    name: 'Westbrook Community Foundation',
    domain: 'westbrookcf.example',
    tag: 'WCF',
    contract: 'Nonprofit Essentials',
  },
  vantage: {
    name: 'Vantage Engineering Partners',
    domain: 'vantageeng.example',
    tag: 'VEP',
    contract: 'Managed Pro',
  },
  sunfield: {
    name: 'Sunfield Organics',
    domain: 'sunfieldorganics.example',
    tag: 'SFO',
    contract: 'Managed Essentials',
  },
};

/** Ticket categories: the list in context/standards.md ("Categories and priority"). */
export const CATEGORIES = [
  'Account access',
  'Email and M365',
  'Hardware',
  'Printing',
  'Network and VPN',
  'Software',
  'Onboarding and offboarding',
  'Security',
  'Backup and recovery',
  'Billing and admin',
  'General',
];
