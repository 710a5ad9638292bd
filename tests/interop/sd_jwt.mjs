#!/usr/bin/env node
// An independent SD-JWT VC implementation: the OpenWallet Foundation's @sd-jwt/sd-jwt-vc
// (with @sd-jwt/crypto-nodejs for hashing, salts and the holder's ES256 key binding), and
// node:crypto for the issuer's signature (EdDSA or ES256; the key from the issuer's JWT VC
// Issuer Metadata). Nothing here imports microcred.
//
// Usage: node sd_jwt.mjs [--allow-host HOST:PORT ...] < JOB.json
//
// A job is one JSON object with "action":
//   {"action": "verify", "token": SD-JWT[+KB], "nonce"?: N, "aud"?: A, "now"?: SECONDS}
//     verifies the signature (key: kid in the JWK Set of <iss>'s /.well-known/jwt-vc-issuer
//     metadata), the disclosures, the validity window, the Token Status List (the library's
//     own status fetcher and checks; its token verified like the credential) and the vct type
//     metadata (fetched and checked against the library's schema); with "nonce", the key
//     binding JWT (cnf.jwk; "aud" compared here). Prints {"verified", "error", "claims",
//     "status", "kb", "typeMetadata"}.
//   {"action": "present", "token": SD-JWT, "keep": [claim names], "holderJwk": private JWK,
//    "nonce": N, "aud": A, "iat": SECONDS}
//     presents the disclosures of "keep" with an ES256 key binding JWT. Prints
//     {"presentation"}.
// Only the --allow-host hosts are fetched (plain http for them). Exit 0 when the job
// succeeded (verify: verified), 1 when not, 2 on a usage error.
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {ES256, digest, generateSalt} from '@sd-jwt/crypto-nodejs';
import {createPublicKey, verify as cryptoVerify} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

const {values} = parseArgs({options: {'allow-host': {type: 'string', multiple: true}}});
const allowed = new Set(values['allow-host'] ?? []);
const job = JSON.parse(readFileSync(0, 'utf8'));

async function guardedFetch(url, init) {
  const host = new URL(url).host;
  if (!allowed.has(host)) throw new Error(`fetching ${host} is not allowed`);
  return fetch(url, init);
}

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// JWT VC Issuer Metadata: /.well-known/jwt-vc-issuer inserted between host and path.
async function issuerKey(iss, kid) {
  const url = new URL(iss);
  const metadataUrl = `${url.origin}/.well-known/jwt-vc-issuer${url.pathname.replace(/\/$/, '')}`;
  const response = await guardedFetch(metadataUrl, {headers: {Accept: 'application/json'}});
  if (!response.ok) throw new Error(`issuer metadata: HTTP ${response.status}`);
  const metadata = await response.json();
  if (metadata.issuer !== iss) throw new Error('issuer metadata is for another issuer');
  const key = metadata.jwks.keys.find(k => k.kid === kid);
  if (!key) throw new Error(`no key ${kid} in the issuer's JWK Set`);
  return key;
}

function verifyWithJwk(jwk, alg, data, signature) {
  const {kid, alg: _alg, use, ...bare} = jwk;
  const key = createPublicKey({key: bare, format: 'jwk'});
  const sig = Buffer.from(signature, 'base64url');
  if (alg === 'EdDSA') return cryptoVerify(null, Buffer.from(data), key, sig);
  if (alg === 'ES256') {
    return cryptoVerify('sha256', Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'}, sig);
  }
  throw new Error(`alg ${alg} is not allowed`);
}

// The issuer's signature, for the credential and for the status list token alike: the key of
// the header's kid, found through the payload's iss.
async function issuerVerifier(data, signature) {
  const [head, body] = data.split('.');
  const header = decodePart(head);
  const payload = decodePart(body);
  const jwk = await issuerKey(payload.iss, header.kid);
  return verifyWithJwk(jwk, header.alg, data, signature);
}

async function holderVerifier(data, signature, payload) {
  const jwk = payload?.cnf?.jwk;
  if (!jwk) throw new Error('no cnf.jwk');
  return verifyWithJwk(jwk, decodePart(data.split('.')[0]).alg, data, signature);
}

async function verifyJob() {
  let status = null;
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: issuerVerifier,
    kbVerifier: holderVerifier,
    statusListFetcher: async uri => {
      const response = await guardedFetch(uri, {headers: {Accept: 'application/statuslist+jwt'}});
      if (!response.ok) throw new Error(`status list: HTTP ${response.status}`);
      if (!response.headers.get('content-type')?.includes('application/statuslist+jwt')) {
        throw new Error('status list: wrong content type');
      }
      return response.text();
    },
    statusValidator: async value => {
      status = value;
      if (value !== 0) throw new Error(`status is ${value}`);
    },
    loadTypeMetadataFormat: true,
    vctFetcher: async uri => {
      const response = await guardedFetch(uri, {headers: {Accept: 'application/json'}});
      if (!response.ok) throw new Error(`vct: HTTP ${response.status}`);
      return response.json();
    },
  });
  const options = {skewSeconds: 300};
  if (job.now) options.currentDate = job.now;
  if (job.nonce) options.keyBindingNonce = job.nonce;
  try {
    const result = await sdjwt.verify(job.token, options);
    if (job.aud && result.kb?.payload?.aud !== job.aud) throw new Error('aud does not match');
    const claims = await sdjwt.getClaims(job.token);
    return {verified: true, error: null, claims, status, kb: Boolean(result.kb),
            typeMetadata: result.typeMetadata?.mergedTypeMetadata?.vct ?? null};
  } catch (error) {
    return {verified: false, error: String(error?.message ?? error), claims: null, status,
            kb: false, typeMetadata: null};
  }
}

async function presentJob() {
  const signer = await ES256.getSigner(job.holderJwk);
  const sdjwt = new SDJwtVcInstance({hasher: digest, saltGenerator: generateSalt,
                                     kbSigner: signer, kbSignAlg: ES256.alg});
  const frame = Object.fromEntries(job.keep.map(name => [name, true]));
  const presentation = await sdjwt.present(job.token, frame, {
    kb: {payload: {iat: job.iat, aud: job.aud, nonce: job.nonce}},
  });
  return {presentation};
}

const handlers = {verify: verifyJob, present: presentJob};
if (!handlers[job.action]) {
  console.error(`unknown action ${job.action}`);
  process.exit(2);
}
const output = await handlers[job.action]();
console.log(JSON.stringify(output));
process.exit(output.verified === false ? 1 : 0);
