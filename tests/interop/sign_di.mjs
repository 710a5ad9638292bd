#!/usr/bin/env node
// Data Integrity beyond sign.mjs, with Digital Bazaar's libraries: the JCS cryptosuites
// (eddsa-jcs-2022, ecdsa-jcs-2019), P-384 keys (ecdsa-rdfc-2019 / ecdsa-jcs-2019, ES384 JWTs
// with `jose`), proof sets and proof chains; and a verifier for all four suites.
//
// Usage: node sign_di.mjs sign < JOB.json      (prints one JSON line)
//        node sign_di.mjs verify [--allow-host H:P ...] FILE|- [FILE ...]
//
// sign: JOB is
//   {"credential": {...unsigned...},
//    "keys": {"<name>": {"type": "ed25519"|"p256"|"p384", "seed": "<hex>",
//                        "did": "did:web:..." (optional; default: the key's did:key),
//                        "fragment": "key-1" (optional; default: the multibase key),
//                        "jwk": true (optional: list it as a JsonWebKey, not Multikey)}},
//   ("did" may also be an https URL, or http on 127.0.0.1: an issuer identified by a URL,
//   whose controlled identifier document (W3C CID 1.0) is returned like a DID document)
//    "issuer": "<key name>"                      (the credential's issuer is that key's DID),
//    "proofs": [{"key": "<name>", "cryptosuite": "eddsa-rdfc-2022"|"ecdsa-rdfc-2019"|
//                "eddsa-jcs-2022"|"ecdsa-jcs-2019", "created": "<dateTime>",
//                "id": "urn:uuid:..." (optional), "previousProof": id | [ids] (optional)}],
//    "jwt": "<key name>" (optional: instead of proofs, a vc+jwt signed by that key with jose)}
// and prints {"credential": <signed credential or compact JWS>, "didDocuments": {DID or URL:
// its DID document or controlled identifier document}}.
// Each proof is made by DataIntegrityProof.createProof over the credential without proofs,
// or, for a proof with previousProof, over the credential whose `proof` is the list of the
// proofs it names (Data Integrity 1.0, section 4.3 "Add Proof Set/Chain"): the libraries
// add proofs to a set but do not build chains themselves. Keys with the same seed are the
// same key pair, so a run with the same JOB gives the same keys (ECDSA signatures differ).
//
// verify: one JSON line per input, {"verified": bool, "error": str|null, "results": [...]},
// with @digitalbazaar/vc's verifyCredential and the four suites (a proof set verifies when
// one proof does: the library's rule, not ours). Exit 0 if all verified, 1 if not, 2 usage.
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import * as vc from '@digitalbazaar/vc';
import {
  createSignCryptosuite as createEcdsaJcsSign,
  createVerifyCryptosuite as createEcdsaJcsVerify
} from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import {
  createSignCryptosuite as createEddsaJcsSign,
  createVerifyCryptosuite as createEddsaJcsVerify
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {createDocumentLoader, MULTIKEY_CONTEXT_URL} from './loader.mjs';
import {createECDH} from 'node:crypto';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {parseArgs} from 'node:util';
import {readFileSync} from 'node:fs';

const USAGE = 'usage: node sign_di.mjs sign < JOB.json | ' +
  'node sign_di.mjs verify [--allow-host HOST:PORT ...] FILE|- [FILE ...]';
const CURVES = {p256: ['prime256v1', 'P-256', 32], p384: ['secp384r1', 'P-384', 48]};
const JWT_ALGS = {ed25519: 'EdDSA', p256: 'ES256', p384: 'ES384'};

class UsageError extends Error {}

function signSuite(name) {
  switch(name) {
    case 'eddsa-rdfc-2022': return eddsaRdfc2022;
    case 'ecdsa-rdfc-2019': return ecdsaRdfc2019;
    case 'eddsa-jcs-2022': return createEddsaJcsSign();
    case 'ecdsa-jcs-2019': return createEcdsaJcsSign();
    default: throw new UsageError(`unknown cryptosuite ${name}`);
  }
}

async function keyPairOf(spec) {
  const seed = new Uint8Array(Buffer.from(spec.seed, 'hex'));
  if(spec.type === 'ed25519') {
    return Ed25519Multikey.generate({seed});
  }
  const curve = CURVES[spec.type];
  if(!curve) {
    throw new UsageError(`unknown key type ${spec.type}`);
  }
  const [ecdhName, name, size] = curve;
  if(seed.length !== size) {
    throw new UsageError(`a ${name} seed is ${size} bytes`);
  }
  const ecdh = createECDH(ecdhName);
  ecdh.setPrivateKey(seed);
  const publicKey = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
  return EcdsaMultikey.fromRaw({curve: name, secretKey: seed, publicKey});
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

// Every key of the job with its DID and verification method; the DID documents of the
// did:web DIDs (each listing all keys of the job under that DID).
async function loadKeys(specs) {
  const keys = {};
  const didDocuments = {};
  for(const [name, spec] of Object.entries(specs)) {
    const keyPair = await keyPairOf(spec);
    const did = spec.did ?? `did:key:${keyPair.publicKeyMultibase}`;
    const fragment = spec.fragment ?? keyPair.publicKeyMultibase;
    keyPair.id = `${did}#${fragment}`;
    keyPair.controller = did;
    keys[name] = {spec, keyPair, did};
    const isUrl = did.startsWith('https://') || did.startsWith('http://');
    if(did.startsWith('did:web:') || isUrl) {
      const contexts = isUrl ? ['https://www.w3.org/ns/cid/v1'] :
        ['https://www.w3.org/ns/did/v1', MULTIKEY_CONTEXT_URL];
      const document = didDocuments[did] ?? {
        '@context': contexts,
        id: did, verificationMethod: [], assertionMethod: [], authentication: []
      };
      if(spec.jwk) {
        const {d, ...publicKeyJwk} = await privateJwk(spec.type, keyPair);
        document.verificationMethod.push({
          id: keyPair.id, type: 'JsonWebKey', controller: did, publicKeyJwk
        });
      } else {
        document.verificationMethod.push({
          id: keyPair.id, type: 'Multikey', controller: did,
          publicKeyMultibase: keyPair.publicKeyMultibase
        });
      }
      document.assertionMethod.push(keyPair.id);
      document.authentication.push(keyPair.id);
      didDocuments[did] = document;
    }
  }
  return {keys, didDocuments};
}

async function sign(job) {
  const {keys, didDocuments} = await loadKeys(job.keys ?? {});
  const issuer = keys[job.issuer];
  if(!issuer) {
    throw new UsageError('"issuer" must name a key');
  }
  const credential = structuredClone(job.credential);
  credential.issuer = issuer.did;
  if(job.jwt) {
    const {spec, keyPair} = keys[job.jwt];
    const alg = JWT_ALGS[spec.type];
    const key = await jose.importJWK(await privateJwk(spec.type, keyPair), alg);
    const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(credential)))
      .setProtectedHeader({alg, typ: 'vc+jwt', cty: 'vc', kid: keyPair.id})
      .sign(key);
    return {credential: jws, didDocuments};
  }
  const {documentLoader} = createDocumentLoader();
  const purpose = {
    async update(proof) {
      proof.proofPurpose = 'assertionMethod';
      return proof;
    }
  };
  const proofs = [];
  for(const step of job.proofs ?? []) {
    const {keyPair} = keys[step.key] ?? {};
    if(!keyPair) {
      throw new UsageError(`proof key ${step.key} is not in "keys"`);
    }
    const suite = new DataIntegrityProof({
      signer: keyPair.signer(), cryptosuite: signSuite(step.cryptosuite), date: step.created
    });
    const options = {};
    if(step.id) {
      options.id = step.id;
    }
    if(step.previousProof) {
      options.previousProof = step.previousProof;
    }
    suite.proof = options;
    const wanted = step.previousProof === undefined ? [] :
      [step.previousProof].flat();
    const matching = wanted.map(id => proofs.find(p => p.id === id));
    if(matching.includes(undefined)) {
      throw new UsageError(`previousProof ${wanted} names a proof not made before`);
    }
    const document = structuredClone(credential);
    if(matching.length) {
      document.proof = structuredClone(matching);
    }
    const proof = await suite.createProof({document, purpose, proofSet: [], documentLoader});
    proofs.push(proof);
  }
  if(proofs.length) {
    credential.proof = proofs.length === 1 ? proofs[0] : proofs;
  }
  return {credential, didDocuments};
}

async function verify(args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {'allow-host': {type: 'string', multiple: true, default: []}},
      allowPositionals: true
    });
  } catch(e) {
    throw new UsageError(e.message);
  }
  if(!parsed.positionals.length) {
    throw new UsageError('at least one input FILE (or -) is required');
  }
  const {documentLoader} = createDocumentLoader({allowHosts: parsed.values['allow-host']});
  const suite = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019}),
    new DataIntegrityProof({cryptosuite: createEddsaJcsVerify()}),
    new DataIntegrityProof({cryptosuite: createEcdsaJcsVerify()})
  ];
  let allVerified = true;
  for(const file of parsed.positionals) {
    const credential = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    const result = await vc.verifyCredential({credential, suite, documentLoader});
    const error = result.error ?
      [result.error].flat().map(e => e.message ?? String(e)).join('; ') : null;
    const results = (result.results ?? []).map(r => ({
      verified: r.verified, cryptosuite: r.proof?.cryptosuite,
      verificationMethod: r.proof?.verificationMethod, error: r.error?.message ?? null
    }));
    process.stdout.write(JSON.stringify({verified: result.verified, error, results}) + '\n');
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
  console.error(`sign_di failed: ${e.stack ?? e.message}`);
  process.exitCode = 1;
}
