#!/usr/bin/env node
// An independent signer: Digital Bazaar's VC stack (Data Integrity) or `jose` (VC-JOSE-COSE).
//
// Usage: node sign.mjs --key-type ed25519|p256 [--seed HEX] [--jwt] [options] FILE|-
//
// Reads an unsigned VC 2.0 credential, sets `issuer` to the signing DID and prints the signed
// credential as one JSON line (DataIntegrityProof, eddsa-rdfc-2022 for ed25519 or
// ecdsa-rdfc-2019 for p256), or with --jwt one compact JWS line (header
// {alg: EdDSA|ES256, typ: vc+jwt, cty: vc, kid: <verification method id>}, payload = the
// credential). Exit 0 on success, 1 if signing fails, 2 on a usage error.
//
// Options:
//   --seed HEX            32 bytes (64 hex digits): the Ed25519 seed, or the P-256 private
//                         scalar; the key pair is then deterministic (default: random).
//   --did DID             sign as DID (e.g. a did:web) instead of the key's did:key; the
//                         verification method is DID#key-1 (see --key-id).
//   --key-id FRAGMENT     fragment of the verification method (default: the multibase key for
//                         did:key, "key-1" with --did).
//   --did-document-out F  write the DID document of the signing key (for --did: to be served
//                         at the did:web URL) to file F.
//   --keep-issuer         leave the credential's `issuer` as it is (to test issuer mismatch).
//   --typ TYP             JWT header typ (default vc+jwt; to test a wrong typ).
//   --created DATETIME    proof `created` (default: now), for reproducible DI proofs.
//   --allow-host H:P      hosts whose documents (e.g. a JSON-LD context) may be fetched.
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import * as vc from '@digitalbazaar/vc';
import {readFileSync, writeFileSync} from 'node:fs';
import {createDocumentLoader, MULTIKEY_CONTEXT_URL} from './loader.mjs';
import {createECDH} from 'node:crypto';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {parseArgs} from 'node:util';

const USAGE = 'usage: node sign.mjs --key-type ed25519|p256 [--seed HEX] [--jwt] ' +
  '[--did DID] [--key-id FRAGMENT] [--did-document-out FILE] [--keep-issuer] [--typ TYP] ' +
  '[--created DATETIME] [--allow-host HOST:PORT ...] FILE|-';

class UsageError extends Error {}

async function generateKey(keyType, seed) {
  if(keyType === 'ed25519') {
    return Ed25519Multikey.generate(seed ? {seed} : {});
  }
  if(seed) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(seed);
    const publicKey = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
    return EcdsaMultikey.fromRaw({curve: 'P-256', secretKey: seed, publicKey});
  }
  return EcdsaMultikey.generate({curve: 'P-256'});
}

async function privateJwk(keyType, keyPair) {
  if(keyType === 'ed25519') {
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    const {secretKey} = await keyPair.export({raw: true, secretKey: true, canonicalize: true});
    jwk.d = Buffer.from(secretKey).toString('base64url');
    return jwk;
  }
  return EcdsaMultikey.toJwk({keyPair, secretKey: true});
}

function parse() {
  let args;
  try {
    args = parseArgs({
      options: {
        'key-type': {type: 'string'},
        seed: {type: 'string'},
        jwt: {type: 'boolean', default: false},
        did: {type: 'string'},
        'key-id': {type: 'string'},
        'did-document-out': {type: 'string'},
        'keep-issuer': {type: 'boolean', default: false},
        typ: {type: 'string', default: 'vc+jwt'},
        created: {type: 'string'},
        'allow-host': {type: 'string', multiple: true, default: []}
      },
      allowPositionals: true
    });
  } catch(e) {
    throw new UsageError(e.message);
  }
  const {values, positionals} = args;
  if(!['ed25519', 'p256'].includes(values['key-type'])) {
    throw new UsageError('--key-type must be ed25519 or p256');
  }
  if(values.seed !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.seed)) {
    throw new UsageError('--seed must be 64 hex digits (32 bytes)');
  }
  if(values.did !== undefined && !/^did:[a-z0-9]+:.+/.test(values.did)) {
    throw new UsageError('--did must be a DID');
  }
  if(positionals.length !== 1) {
    throw new UsageError('exactly one input FILE (or -) is required');
  }
  return {...values, file: positionals[0]};
}

async function main() {
  let opts;
  let credential;
  try {
    opts = parse();
    credential = JSON.parse(readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8'));
  } catch(e) {
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const keyType = opts['key-type'];
  const seed = opts.seed ? new Uint8Array(Buffer.from(opts.seed, 'hex')) : undefined;
  const keyPair = await generateKey(keyType, seed);
  const did = opts.did ?? `did:key:${keyPair.publicKeyMultibase}`;
  const fragment = opts['key-id'] ?? (opts.did ? 'key-1' : keyPair.publicKeyMultibase);
  keyPair.id = `${did}#${fragment}`;
  keyPair.controller = did;

  if(opts['did-document-out']) {
    const vm = {
      id: keyPair.id, type: 'Multikey', controller: did,
      publicKeyMultibase: keyPair.publicKeyMultibase
    };
    const didDocument = {
      '@context': ['https://www.w3.org/ns/did/v1', MULTIKEY_CONTEXT_URL],
      id: did,
      verificationMethod: [vm],
      assertionMethod: [vm.id],
      authentication: [vm.id]
    };
    writeFileSync(opts['did-document-out'], JSON.stringify(didDocument, null, 2) + '\n');
  }

  if(!opts['keep-issuer']) {
    if(credential.issuer && typeof credential.issuer === 'object') {
      credential.issuer = {...credential.issuer, id: did};
    } else {
      credential.issuer = did;
    }
  }

  if(opts.jwt) {
    const alg = keyType === 'ed25519' ? 'EdDSA' : 'ES256';
    const key = await jose.importJWK(await privateJwk(keyType, keyPair), alg);
    const payload = new TextEncoder().encode(JSON.stringify(credential));
    const jws = await new jose.CompactSign(payload)
      .setProtectedHeader({alg, typ: opts.typ, cty: 'vc', kid: keyPair.id})
      .sign(key);
    process.stdout.write(jws + '\n');
    return 0;
  }

  const {documentLoader} = createDocumentLoader({allowHosts: opts['allow-host']});
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: keyType === 'ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019,
    ...(opts.created ? {date: opts.created} : {})
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed) + '\n');
  return 0;
}

try {
  process.exitCode = await main();
} catch(e) {
  console.error(`signing failed: ${e.message}`);
  process.exitCode = 1;
}
