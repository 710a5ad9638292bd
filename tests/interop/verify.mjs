#!/usr/bin/env node
// An independent verifier: Digital Bazaar's VC stack for Data Integrity, `jose` for VC-JOSE-COSE.
//
// Usage: node verify.mjs [--allow-host HOST:PORT ...] FILE|- [FILE ...]
//
// Each input is a JSON-LD credential with a Data Integrity proof, or a compact JWS
// (`typ: vc+jwt`; also accepted: the JWS as a JSON string, or an EnvelopedVerifiableCredential
// whose id is `data:application/vc+jwt,<jws>`), detected from the content. For each input,
// in order, one JSON line:
//   {"verified": bool, "format": "di"|"jwt"|null, "code": str|null, "error": str|null,
//    "details": {...}}
// `code` is a short machine-readable reason (e.g. "signature", "typ", "alg", "hostNotAllowed",
// "revoked"); `error` the human message. Exit status: 0 if every input verified, 1 if any did
// not, 2 on a usage error (bad option, unreadable file).
//
// Network: only hosts given with --allow-host (exactly as in a URL's host, e.g. 127.0.0.1:8000)
// are fetched: did:web documents, our JSON-LD context, status list credentials.
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import * as vc from '@digitalbazaar/vc';
import {
  asArray, createDocumentLoader, findVerificationMethod, isAssertionMethod, LoaderError
} from './loader.mjs';
import {
  checkStatus as bslCheckStatus
} from '@digitalbazaar/vc-bitstring-status-list';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {parseArgs} from 'node:util';
import {readFileSync} from 'node:fs';

const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const JWT_ALGS = {EdDSA: 'Ed25519', ES256: 'P-256'};
const CLOCK_SKEW_S = 300;
const USAGE = 'usage: node verify.mjs [--allow-host HOST:PORT ...] FILE|- [FILE ...]';

class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function makeSuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019})
  ];
}

// Bitstring Status List: the library reports the bit; a set bit means the credential is
// revoked / suspended, which we turn into a failed check naming the purpose.
async function checkStatus(options) {
  const result = await bslCheckStatus(options);
  if(!result.verified) {
    return result;
  }
  const set = result.results.filter(r => r.status === true);
  if(set.length) {
    const purposes = set.map(r => r.credentialStatus.statusPurpose);
    const error = new Failure(
      purposes.includes('revocation') ? 'revoked' :
        purposes.includes('suspension') ? 'suspended' : 'status',
      `credential status set for purpose ${purposes.map(p => `"${p}"`).join(', ')}` +
      ` (${purposes.map(p => ({revocation: 'revoked', suspension: 'suspended'})[p] ?? p)
        .join(', ')})`);
    return {...result, verified: false, error};
  }
  return result;
}

function statusDetails(statusResult) {
  if(!statusResult) {
    return undefined;
  }
  return {
    verified: statusResult.verified,
    results: (statusResult.results ?? []).map(r => ({
      statusPurpose: r.credentialStatus?.statusPurpose,
      statusListIndex: r.credentialStatus?.statusListIndex,
      statusListCredential: r.credentialStatus?.statusListCredential,
      status: r.status
    })),
    error: statusResult.error?.message
  };
}

// All error objects reachable from a verification result, depth first.
function collectErrors(root) {
  const out = [];
  const seen = new Set();
  const visit = e => {
    if(!e || typeof e !== 'object' || seen.has(e)) {
      return;
    }
    seen.add(e);
    if(e instanceof Error) {
      out.push(e);
    }
    for(const child of asArray(e.errors)) {
      visit(child);
    }
    visit(e.cause);
    visit(e.details?.cause);
  };
  visit(root);
  return out;
}

function classify(errors) {
  // our own errors (document loader, status) carry a code
  const coded = errors.find(e => e instanceof Failure || e instanceof LoaderError);
  if(coded) {
    return coded.code;
  }
  const text = errors.map(e => e.message).join(' | ');
  const rules = [
    [/Invalid signature/i, 'signature'],
    [/safe mode/i, 'jsonldSafeMode'],
    [/not authorized by controller/i, 'notAssertionMethod'],
    [/issuer must match/i, 'issuerMismatch'],
    [/No matching proofs found/i, 'noProof'],
    [/expired|after "validUntil"|before "validFrom"/i, 'validity'],
    [/Dereferencing a URL|load/i, 'documentLoader']
  ];
  for(const [re, code] of rules) {
    if(re.test(text)) {
      return code;
    }
  }
  return 'invalid';
}

function describe(errors) {
  const messages = [];
  for(const e of errors) {
    let m = e.message;
    if(e.details?.cause) {
      m += `: ${e.details.cause.message}`;
    } else if(e.details?.event) {
      // JSON-LD safe mode: name the event and the offending property / value
      const {code, message, details = {}} = e.details.event;
      m += ` ${code}: ${message} ${JSON.stringify(details)}`;
    }
    if(m && !messages.includes(m) && !/^Verification error\(s\)\.?$/.test(m)) {
      messages.push(m);
    }
  }
  return messages.join('; ') || 'not verified';
}

async function verifyDi(credential, loader, details) {
  const proofs = asArray(credential.proof);
  Object.assign(details, {
    issuer: typeof credential.issuer === 'object' ? credential.issuer?.id : credential.issuer,
    proofs: proofs.map(p => ({
      type: p?.type, cryptosuite: p?.cryptosuite,
      verificationMethod: p?.verificationMethod, proofPurpose: p?.proofPurpose
    }))
  });
  const result = await vc.verifyCredential({
    credential, suite: makeSuites(), documentLoader: loader.documentLoader, checkStatus
  });
  details.status = statusDetails(result.statusResult);
  if(result.verified) {
    return {verified: true, format: 'di', code: null, error: null, details};
  }
  let roots = [result.error, ...asArray(result.results).flatMap(r => [
    r.error, r.purposeResult?.valid === false ? r.purposeResult.error : null
  ])];
  if(result.statusResult && !result.statusResult.verified) {
    roots = [result.statusResult.error ?? new Failure('status', 'status check failed')];
  }
  const errors = roots.flatMap(collectErrors);
  return {
    verified: false, format: 'di', code: classify(errors), error: describe(errors), details
  };
}

function keyTypeOf(vm) {
  if(vm.publicKeyJwk) {
    const {kty, crv} = vm.publicKeyJwk;
    return kty === 'OKP' && crv === 'Ed25519' ? 'Ed25519' :
      kty === 'EC' && crv === 'P-256' ? 'P-256' : `${kty}/${crv}`;
  }
  const mb = vm.publicKeyMultibase ?? '';
  if(mb.startsWith('z6Mk')) {
    return 'Ed25519';
  }
  if(mb.startsWith('zDna')) {
    return 'P-256';
  }
  return `unknown (${vm.type} ${mb.slice(0, 5)}…)`;
}

async function publicJwk(vm, keyType) {
  if(vm.publicKeyJwk) {
    const {kty, crv, x, y} = vm.publicKeyJwk;
    return y === undefined ? {kty, crv, x} : {kty, crv, x, y};
  }
  const multikey = {'@context': 'https://w3id.org/security/multikey/v1', ...vm};
  if(keyType === 'Ed25519') {
    return Ed25519Multikey.toJwk({keyPair: await Ed25519Multikey.from(multikey)});
  }
  return EcdsaMultikey.toJwk({keyPair: await EcdsaMultikey.from(multikey)});
}

async function verifyJwt(jws, loader, details) {
  let header;
  try {
    header = jose.decodeProtectedHeader(jws);
  } catch(e) {
    throw new Failure('malformed', `not a compact JWS: ${e.message}`);
  }
  details.header = header;
  if(header.typ !== 'vc+jwt') {
    throw new Failure('typ', `typ must be "vc+jwt", got ${JSON.stringify(header.typ)}`);
  }
  if(!Object.hasOwn(JWT_ALGS, header.alg)) {
    const allowed = Object.keys(JWT_ALGS).join(', ');
    throw new Failure(
      'alg', `alg ${JSON.stringify(header.alg)} is not allowed (allowed: ${allowed})`);
  }
  if(Array.isArray(header.crit) && header.crit.length) {
    throw new Failure('crit', `unsupported crit ${header.crit}`);
  }
  const {kid} = header;
  if(typeof kid !== 'string' || !kid.startsWith('did:') || !kid.includes('#')) {
    throw new Failure('kid', `kid must be a DID URL with a fragment, got ${JSON.stringify(kid)}`);
  }
  const did = kid.split('#')[0];
  const didDocument = await loader.resolveDid(did);
  const vm = findVerificationMethod(didDocument, kid);
  if(!vm) {
    throw new Failure('kidNotFound', `kid ${kid} is not in the DID document of ${did}`);
  }
  if(!isAssertionMethod(didDocument, kid)) {
    throw new Failure(
      'notAssertionMethod', `kid ${kid} is not an assertionMethod of ${did}`);
  }
  const controller = vm.controller?.startsWith?.('#') ? did + vm.controller : vm.controller;
  if(controller !== did) {
    throw new Failure(
      'kid', `verification method ${kid} is controlled by ${controller}, not ${did}`);
  }
  const keyType = keyTypeOf(vm);
  details.keyType = keyType;
  if(JWT_ALGS[header.alg] !== keyType) {
    throw new Failure(
      'algKeyMismatch', `alg ${header.alg} does not match the key type ${keyType} of ${kid}`);
  }
  const key = await jose.importJWK(await publicJwk(vm, keyType), header.alg);
  let payload;
  try {
    ({payload} = await jose.jwtVerify(jws, key, {
      algorithms: [header.alg], clockTolerance: CLOCK_SKEW_S
    }));
  } catch(e) {
    const code = {
      ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature',
      ERR_JWT_EXPIRED: 'validity',
      ERR_JWT_CLAIM_VALIDATION_FAILED: 'claims',
      ERR_JWT_INVALID: 'payload',
      ERR_JWS_INVALID: 'malformed'
    }[e.code] ?? 'jose';
    throw new Failure(code, `${e.code}: ${e.message}`);
  }
  if(payload.vc !== undefined) {
    throw new Failure('payload',
      'payload has a "vc" claim (VC-JWT 1.1); a VC-JOSE-COSE payload is the credential');
  }
  if(asArray(payload['@context'])[0] !== VC_V2_CONTEXT) {
    throw new Failure(
      'payload', `the first @context must be ${VC_V2_CONTEXT}`);
  }
  try {
    vc._checkCredential({credential: payload, maxClockSkew: CLOCK_SKEW_S});
  } catch(e) {
    throw new Failure('payload', e.message);
  }
  const issuer = typeof payload.issuer === 'object' ? payload.issuer?.id : payload.issuer;
  details.issuer = issuer;
  if(issuer !== did) {
    throw new Failure(
      'issuerMismatch', `issuer ${JSON.stringify(issuer)} is not the DID of kid (${did})`);
  }
  if(payload.iss !== undefined && payload.iss !== issuer) {
    throw new Failure(
      'issMismatch', `iss ${JSON.stringify(payload.iss)} is not the issuer ${issuer}`);
  }
  if(header.cty !== 'vc') {
    details.warnings = [`cty is ${JSON.stringify(header.cty)}, expected "vc"`];
  }
  if(payload.credentialStatus) {
    const statusResult = await checkStatus({
      credential: payload, suite: makeSuites(), documentLoader: loader.documentLoader
    });
    details.status = statusDetails(statusResult);
    if(!statusResult.verified) {
      const errors = collectErrors(statusResult.error);
      throw new Failure(classify(errors), describe(errors));
    }
  }
  return {verified: true, format: 'jwt', code: null, error: null, details};
}

const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const ENVELOPE_PREFIX = 'data:application/vc+jwt,';

// -> {format: 'di', credential} | {format: 'jwt', jws}
function detect(text) {
  const t = text.trim();
  if(JWS_RE.test(t)) {
    return {format: 'jwt', jws: t};
  }
  let value;
  try {
    value = JSON.parse(t);
  } catch {
    throw new Failure('input', 'input is neither JSON nor a compact JWS');
  }
  if(typeof value === 'string' && JWS_RE.test(value)) {
    return {format: 'jwt', jws: value};
  }
  if(value && typeof value === 'object' && !Array.isArray(value)) {
    if(asArray(value.type).includes('EnvelopedVerifiableCredential') &&
      typeof value.id === 'string' && value.id.startsWith(ENVELOPE_PREFIX)) {
      return {format: 'jwt', jws: value.id.slice(ENVELOPE_PREFIX.length)};
    }
    return {format: 'di', credential: value};
  }
  throw new Failure('input', 'input is neither a JSON object nor a compact JWS');
}

async function verifyText(text, loader) {
  let input;
  try {
    input = detect(text);
  } catch(e) {
    return {verified: false, format: null, code: e.code, error: e.message, details: {}};
  }
  const details = {};
  try {
    if(input.format === 'di') {
      return await verifyDi(input.credential, loader, details);
    }
    return await verifyJwt(input.jws, loader, details);
  } catch(e) {
    const code = e.code ?? 'invalid';
    return {verified: false, format: input.format, code, error: e.message, details};
  }
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {'allow-host': {type: 'string', multiple: true, default: []}},
      allowPositionals: true
    });
  } catch(e) {
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const files = args.positionals;
  if(!files.length) {
    console.error(USAGE);
    return 2;
  }
  const texts = [];
  for(const file of files) {
    try {
      texts.push(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch(e) {
      console.error(`cannot read ${file}: ${e.message}\n${USAGE}`);
      return 2;
    }
  }
  const fetchLog = [];
  const loader = createDocumentLoader({allowHosts: args.values['allow-host'], fetchLog});
  let allVerified = true;
  for(const text of texts) {
    fetchLog.length = 0;
    const result = await verifyText(text, loader);
    if(fetchLog.length) {
      result.details.fetched = [...fetchLog];
    }
    allVerified &&= result.verified;
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  return allVerified ? 0 : 1;
}

process.exitCode = await main();
