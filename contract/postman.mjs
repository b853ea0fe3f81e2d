// Postman collection from the contract (make postman; also the last step of make contract).
//
// openapi-to-postmanv2 converts ../openapi/openapi.json, then this script makes the collection usable as
// imported: a `baseUrl` collection variable (default http://127.0.0.1:8000, POSTMAN_BASE_URL to change it)
// on every request, collection-level auth `Bearer {{accessToken}}` inherited by every protected request,
// `noauth` on the public operations (`security: []`), and a "Sign in" request first (demo credentials in the
// `username` / `password` variables) whose test stores `access_token` in `accessToken` (and `refresh_token`
// in `refreshToken`). It then checks the result with postman-collection and exits non-zero on any gap.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const converter = require('openapi-to-postmanv2');
const { Collection } = require('postman-collection');

const here = dirname(fileURLToPath(import.meta.url));
const specPath = join(here, '..', 'openapi', 'openapi.json');
const outPath = join(here, 'generated', 'portal.postman_collection.json');
const baseUrl = process.env.POSTMAN_BASE_URL || 'http://127.0.0.1:8000';
const TOKEN_PATH = '/api/v1/auth/token';
const SIGN_IN = 'Sign in';

const specText = readFileSync(specPath, 'utf8');
const spec = JSON.parse(specText);

function fail(message) {
  console.error(`postman: ${message}`);
  process.exit(1);
}

const converted = await new Promise((resolve, reject) => {
  converter.convert(
    { type: 'json', data: specText },
    {
      folderStrategy: 'Tags',
      requestNameSource: 'Fallback',
      parametersResolution: 'Example',
      enableOptionalParameters: false, // optional query parameters are listed but unticked
      alwaysInheritAuthentication: true, // requests inherit the collection's bearer auth
      includeAuthInfoInExample: false,
    },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
});
if (!converted.result) fail(`conversion failed: ${converted.reason}`);
const collection = converted.output[0].data;

// Public operations (security: []) by "METHOD /path/{param}".
const publicOps = new Set();
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (op && typeof op === 'object' && Array.isArray(op.security) && op.security.length === 0) {
      publicOps.add(`${method.toUpperCase()} ${path}`);
    }
  }
}

function* requests(items) {
  for (const item of items) {
    if (Array.isArray(item.item)) yield* requests(item.item);
    else if (item.request) yield item;
  }
}

function opKey(request) {
  const segments = (request.url.path || []).map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s));
  return `${request.method} /${segments.join('/')}`;
}

let noauth = 0;
for (const item of requests(collection.item)) {
  if (publicOps.has(opKey(item.request))) {
    item.request.auth = { type: 'noauth' };
    noauth += 1;
  }
}

const signIn = {
  name: SIGN_IN,
  request: {
    method: 'POST',
    description: 'Signs in (OAuth2 password grant) and stores `access_token` in the `accessToken` collection '
      + 'variable that every protected request sends as `Authorization: Bearer`. Credentials come from the '
      + '`username` and `password` collection variables (demo mode: demoagent / Demo1234).',
    url: { raw: `{{baseUrl}}${TOKEN_PATH}`, host: ['{{baseUrl}}'], path: TOKEN_PATH.slice(1).split('/') },
    header: [
      { key: 'Content-Type', value: 'application/x-www-form-urlencoded' },
      { key: 'Accept', value: 'application/json' },
    ],
    auth: { type: 'noauth' },
    body: {
      mode: 'urlencoded',
      urlencoded: [
        { key: 'grant_type', value: 'password' },
        { key: 'username', value: '{{username}}' },
        { key: 'password', value: '{{password}}' },
      ],
    },
  },
  event: [
    {
      listen: 'test',
      script: {
        type: 'text/javascript',
        exec: [
          "pm.test('signed in', function () { pm.response.to.have.status(200); });",
          'const body = pm.response.json();',
          "pm.collectionVariables.set('accessToken', body.access_token);",
          "if (body.refresh_token) { pm.collectionVariables.set('refreshToken', body.refresh_token); }",
        ],
      },
    },
  ],
};
collection.item.unshift(signIn);

const variables = (collection.variable || []).filter(
  (v) => !['baseUrl', 'accessToken', 'refreshToken', 'username', 'password'].includes(v.key),
);
collection.variable = [
  { key: 'baseUrl', value: baseUrl, type: 'string' },
  { key: 'username', value: 'demoagent', type: 'string' },
  { key: 'password', value: 'Demo1234', type: 'string' },
  { key: 'accessToken', value: '', type: 'string' },
  { key: 'refreshToken', value: '', type: 'string' },
  ...variables,
];
collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }] };

// Checks, on the collection as the Postman SDK reads it.
const sdk = new Collection(collection);
const problems = [];
const base = sdk.variables.one('baseUrl');
if (!base || base.get() !== baseUrl) problems.push('no baseUrl collection variable');
if (!sdk.variables.one('accessToken')) problems.push('no accessToken collection variable');
if (sdk.auth?.type !== 'bearer' || sdk.auth.parameters().get('token') !== '{{accessToken}}') {
  problems.push('collection auth is not bearer {{accessToken}}');
}
let count = 0;
sdk.forEachItem((item) => {
  count += 1;
  const url = item.request.url.toString();
  if (!url.startsWith('{{baseUrl}}/')) problems.push(`${item.name}: URL ${url} does not start with {{baseUrl}}`);
});
const expected = Object.values(spec.paths)
  .flatMap((item) => Object.keys(item))
  .filter((m) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(m)).length;
if (count !== expected + 1) problems.push(`${count} requests for ${expected} operations plus "${SIGN_IN}"`);
const first = sdk.items.idx(0);
const signInOk = first && first.name === SIGN_IN && first.request.method === 'POST'
  && first.request.url.toString() === `{{baseUrl}}${TOKEN_PATH}`
  && first.request.body?.mode === 'urlencoded'
  && first.events.listeners('test').some((e) => e.script.toSource().includes("set('accessToken', body.access_token)"));
if (!signInOk) problems.push(`no "${SIGN_IN}" token request storing accessToken first`);
if (noauth !== publicOps.size) problems.push(`noauth on ${noauth} requests for ${publicOps.size} public operations`);
if (problems.length) fail(problems.join('\n  '));

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(collection, null, 2)}\n`);
console.log(
  `postman: ${outPath.slice(here.length + 1)}: ${count} requests (${publicOps.size} public), baseUrl ${baseUrl}`,
);
