#!/usr/bin/env node
// Verifiable presentations with Digital Bazaar's @digitalbazaar/vc (signPresentation, verify)
// and `jose` (a vp+jwt), for the cross-implementation tests of microcred's presentation
// verifier.
//
// Usage: node sign_vp.mjs sign < JOB.json          (prints one JSON line)
//        node sign_vp.mjs verify [--challenge C] [--domain D] FILE|- [FILE ...]
//
// sign: JOB is
//   {"presentation": {...unsigned; "holder" is set to the holder's did:key...},
//    "holder": {"type": "ed25519"|"p256", "seed": "<hex>"},
//    "cryptosuite": "eddsa-rdfc-2022"|"ecdsa-rdfc-2019" (default: the key's),
//    "challenge": "...", "domain": "...", "created": "<dateTime>" (optional),
//    "jwt": true (optional: a vp+jwt signed with jose instead; challenge -> nonce,
//                 domain -> aud)}
// and prints {"presentation": <signed presentation or compact JWS>, "holder": DID}.
// The Data Integrity proof is made by vc.signPresentation (proofPurpose authentication).
//
// verify: one JSON line per input, {"verified": bool, "error": str|null}, with vc.verify
// (the presentation's proof for authentication with the given challenge and domain, and
// each credential's proof); did:key DIDs only (no network). Exit 0 if all verified, 1 if not.
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import * as vc from '@digitalbazaar/vc';
import {createDocumentLoader} from './loader.mjs';
import {createECDH} from 'node:crypto';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {parseArgs} from 'node:util';
import {readFileSync} from 'node:fs';

const USAGE = 'usage: node sign_vp.mjs sign < JOB.json | ' +
  'node sign_vp.mjs verify [--challenge C] [--domain D] FILE|- [FILE ...]';

class UsageError extends Error {}

async function keyPairOf(spec) {
  const seed = new Uint8Array(Buffer.from(spec.seed, 'hex'));
  if(spec.type === 'ed25519') {
    return Ed25519Multikey.generate({seed});
  }
  if(spec.type !== 'p256' || seed.length !== 32) {
    throw new UsageError('holder: type ed25519, or p256 with a 32-byte seed');
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(seed);
  const publicKey = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
  return EcdsaMultikey.fromRaw({curve: 'P-256', secretKey: seed, publicKey});
}

async function privateJwk(type, keyPair) {
  if(type === 'ed25519') {
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    const {secretKey} = await keyPair.export({raw: true, secretKey: true, canonicalize: true});
    jwk.d = Buffer.from(secretKey).toString('base64url');
    return jwk;
  }
  return EcdsaMultikey.toJwk({keyPair, secretKey: true});
}

async function sign(job) {
  const spec = job.holder ?? {};
  const keyPair = await keyPairOf(spec);
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  const presentation = structuredClone(job.presentation);
  presentation.holder = did;
  if(job.jwt) {
    const alg = spec.type === 'ed25519' ? 'EdDSA' : 'ES256';
    const key = await jose.importJWK(await privateJwk(spec.type, keyPair), alg);
    const claims = {...presentation};
    if(job.challenge) {
      claims.nonce = job.challenge;
    }
    if(job.domain) {
      claims.aud = job.domain;
    }
    const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({alg, typ: 'vp+jwt', cty: 'vp', kid: keyPair.id})
      .sign(key);
    return {presentation: jws, holder: did};
  }
  const cryptosuite = (job.cryptosuite ?? (spec.type === 'ed25519' ?
    'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019')) === 'eddsa-rdfc-2022' ? eddsaRdfc2022 : ecdsaRdfc2019;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite, date: job.created
  });
  const {documentLoader} = createDocumentLoader();
  const signed = await vc.signPresentation({
    presentation, suite, challenge: job.challenge, domain: job.domain, documentLoader
  });
  return {presentation: signed, holder: did};
}

async function verify(args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {challenge: {type: 'string'}, domain: {type: 'string'}},
      allowPositionals: true
    });
  } catch(e) {
    throw new UsageError(e.message);
  }
  if(!parsed.positionals.length) {
    throw new UsageError('at least one input FILE (or -) is required');
  }
  const {documentLoader} = createDocumentLoader();
  const suite = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019})
  ];
  let allVerified = true;
  for(const file of parsed.positionals) {
    const presentation = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    const result = await vc.verify({
      presentation, suite, documentLoader,
      challenge: parsed.values.challenge, domain: parsed.values.domain
    });
    const errors = [result.error, ...(result.credentialResults ?? []).map(r => r.error)]
      .flat().filter(Boolean).map(e => e.message ?? String(e));
    const error = errors.length ? errors.join('; ') : null;
    process.stdout.write(JSON.stringify({verified: result.verified, error}) + '\n');
    allVerified &&= result.verified;
  }
  return allVerified ? 0 : 1;
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if(command === 'sign' && rest.length === 0) {
      const job = JSON.parse(readFileSync(0, 'utf8'));
      process.stdout.write(JSON.stringify(await sign(job)) + '\n');
      return 0;
    }
    if(command === 'verify') {
      return await verify(rest);
    }
    throw new UsageError(`unknown command ${command ?? '(none)'}`);
  } catch(e) {
    if(e instanceof UsageError || e instanceof SyntaxError) {
      console.error(`${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

try {
  process.exitCode = await main();
} catch(e) {
  console.error(`sign_vp failed: ${e.stack ?? e.message}`);
  process.exitCode = 1;
}
