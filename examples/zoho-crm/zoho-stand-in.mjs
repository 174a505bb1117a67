// A stand-in for Zoho on 127.0.0.1, so the example runs anywhere: the accounts server
// (POST /oauth/v2/token) and the few CRM API routes a get-records call touches. Against the real
// Zoho, drop this file and use USDataCenter.PRODUCTION() (or your data center) in app.mjs.
import { createServer } from 'node:http';

export async function startZohoStandIn() {
  const tokenRequests = [];
  let issued = 0;
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const url = new URL(request.url, 'http://127.0.0.1');
    const send = (status, json) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    if (url.pathname === '/oauth/v2/token') {
      // The SDK posts multipart/form-data, @tokens/core's refresher urlencoded.
      const grant = /name="grant_type"\r\n\r\n([^\r]*)/.exec(body)?.[1] ?? new URLSearchParams(body).get('grant_type');
      tokenRequests.push(grant);
      issued++;
      const refresh = grant === 'authorization_code' ? { refresh_token: `1000.refresh.${issued}` } : {};
      return send(200, { access_token: `1000.access.${issued}`, ...refresh, expires_in: 3600, api_domain: base, token_type: 'Bearer' });
    }
    if (!request.headers.authorization?.startsWith('Zoho-oauthtoken ')) return send(401, { code: 'AUTHENTICATION_FAILURE' });
    if (url.pathname.endsWith('/settings/fields')) return send(200, { fields: [] });
    return send(200, {
      data: [
        { id: '4150868000000224005', Last_Name: 'Lovelace', Company: 'Analytical Engines' },
        { id: '4150868000000224006', Last_Name: 'Hopper', Company: 'Compilers Inc.' },
      ],
      info: { per_page: 200, count: 2, page: 1, more_records: false },
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { url: base, tokenUrl: `${base}/oauth/v2/token`, tokenRequests, close: () => new Promise((resolve) => server.close(resolve)) };
}
