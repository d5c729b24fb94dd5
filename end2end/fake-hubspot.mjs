// A fake HubSpot for the browser tests: the documented wire format of the calls the sync makes
// (account, deal pipelines, object lists with `after` paging, search, association batch reads),
// 1,500 companies served 100 a page with a pause per page, so a sync's progress can be watched.
import http from 'node:http';

const TOKEN = 'pat-e2e-token';
const port = Number(process.env.E2E_HUBSPOT_PORT ?? 3101);
const started = Date.parse('2026-12-01T00:00:00Z');

const companies = Array.from({ length: 1500 }, (_, i) => ({
  id: String(1000 + i),
  properties: {
    name: i === 0 ? 'Hubspot Origin Corp' : `Synced Company ${i}`,
    domain: `synced-${i}.example`,
    industry: 'COMPUTER_SOFTWARE',
    numberofemployees: '250',
    country: 'Germany',
    city: 'Hamburg',
  },
}));
const contacts = [
  { id: '2001', properties: { firstname: 'Hedy', lastname: 'Lamarr', email: 'hedy@synced-0.example', associatedcompanyid: '1000' } },
];
const deals = [
  { id: '3001', properties: { dealname: 'Origin rollout', amount: '42000', deal_currency_code: 'EUR', pipeline: 'default', dealstage: 'contractsent' }, company: '1000' },
];
const objects = { companies, contacts, deals };
const pipelines = [{
  id: 'default', label: 'Sales Pipeline', displayOrder: 0,
  stages: [
    { id: 'appointmentscheduled', label: 'Appointment Scheduled', displayOrder: 0, metadata: { isClosed: 'false', probability: '0.2' } },
    { id: 'contractsent', label: 'Contract Sent', displayOrder: 1, metadata: { isClosed: 'false', probability: '0.8' } },
    { id: 'closedwon', label: 'Closed Won', displayOrder: 2, metadata: { isClosed: 'true', probability: '1.0' } },
    { id: 'closedlost', label: 'Closed Lost', displayOrder: 3, metadata: { isClosed: 'true', probability: '0.0' } },
  ],
}];

function render(o, withAssociations) {
  const at = new Date(started).toISOString();
  const out = { id: o.id, properties: { ...o.properties, hs_object_id: o.id, hs_lastmodifieddate: at }, createdAt: at, updatedAt: at, archived: false };
  if (withAssociations && o.company) out.associations = { companies: { results: [{ id: o.company, type: 'deal_to_company' }] } };
  return out;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  let body = '';
  for await (const chunk of req) body += chunk;
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    return send(res, 401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' });
  }
  if (url.pathname === '/account-info/v3/details') return send(res, 200, { portalId: 777, companyCurrency: 'EUR' });
  if (url.pathname === '/crm/v3/pipelines/deals') return send(res, 200, { results: pipelines });
  let m = url.pathname.match(/^\/crm\/v3\/objects\/(\w+)$/);
  if (m && objects[m[1]]) {
    await sleep(300);
    const all = objects[m[1]];
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 100);
    const page = { results: all.slice(after, after + limit).map((o) => render(o, url.searchParams.has('associations'))) };
    if (after + limit < all.length) page.paging = { next: { after: String(after + limit) } };
    return send(res, 200, page);
  }
  m = url.pathname.match(/^\/crm\/v3\/objects\/(\w+)\/search$/);
  if (m && objects[m[1]]) {
    const q = JSON.parse(body || '{}');
    const since = Number(q.filterGroups?.[0]?.filters?.[0]?.value ?? 0);
    const all = objects[m[1]].filter(() => started >= since);
    const after = Number(q.after ?? 0);
    const limit = Math.min(q.limit ?? 10, 100);
    const page = { total: all.length, results: all.slice(after, after + limit).map((o) => render(o, false)) };
    if (after + limit < all.length) page.paging = { next: { after: String(after + limit) } };
    return send(res, 200, page);
  }
  if (url.pathname === '/crm/v4/associations/deals/companies/batch/read') {
    const ids = (JSON.parse(body || '{}').inputs ?? []).map((i) => i.id);
    const results = deals.filter((d) => ids.includes(d.id)).map((d) => ({ from: { id: d.id }, to: [{ toObjectId: Number(d.company) }] }));
    return send(res, 200, { status: 'COMPLETE', results });
  }
  send(res, 404, { status: 'error', message: 'Not found', category: 'OBJECT_NOT_FOUND' });
}).listen(port, '127.0.0.1');
