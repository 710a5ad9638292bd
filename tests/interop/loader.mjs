// The document loader and DID resolver shared by verify.mjs and sign.mjs.
//
// Offline by default: bundled contexts (from Digital Bazaar's context packages, and
// microcred's at its permanent URL) and did:key (derived from the key; Ed25519, P-256, P-384). did:web documents and any other http(s) document (our own JSON-LD
// context, status list credentials) are fetched only for hosts named with --allow-host; plain
// http only for localhost / 127.0.0.1 / [::1], https otherwise.
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as didContext from 'did-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import {readFileSync} from 'node:fs';

export const MULTIKEY_CONTEXT_URL = multikeyContext.CONTEXT_URL;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const FETCH_TIMEOUT_MS = 10_000;
const MAX_BYTES = 2 * 1024 * 1024;

// microcred's context at its permanent URL (a w3id.org redirect to the published file):
// resolved to the bytes the repository publishes, as a verifier that fetched it once would.
export const MICROCRED_CONTEXT_URL = 'https://w3id.org/microcred/v1';
const MICROCRED_CONTEXT = JSON.parse(readFileSync(
  new URL('../../verifier/contexts/microcred-v1.jsonld', import.meta.url), 'utf8'));
// The terms of the EDC profile (display parameter, page image, SHACL schema reference).
export const MICROCRED_EDC_CONTEXT_URL = 'https://w3id.org/microcred/edc/v1';
const MICROCRED_EDC_CONTEXT = JSON.parse(readFileSync(
  new URL('../../verifier/contexts/microcred-edc-v1.jsonld', import.meta.url), 'utf8'));

// Every context bundled here, by URL.
export const CONTEXTS = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...statusListContext.contexts,
  [MICROCRED_CONTEXT_URL, MICROCRED_CONTEXT],
  [MICROCRED_EDC_CONTEXT_URL, MICROCRED_EDC_CONTEXT]
]);

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKeyDriver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKeyDriver.use({multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from});

export class LoaderError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'LoaderError';
    this.code = code;
  }
}

// The URL of a did:web DID document (did:web method spec, section 3.2 "Read (Resolve)").
export function didWebUrl(did) {
  const msi = did.slice('did:web:'.length);
  if(!msi || msi.includes('/') || msi.includes('#') || msi.includes('?')) {
    throw new LoaderError('invalidDid', `invalid did:web identifier: ${did}`);
  }
  const [hostPart, ...segments] = msi.split(':');
  const host = decodeURIComponent(hostPart);
  if(!host || host.includes('/') || host.includes('@')) {
    throw new LoaderError('invalidDid', `invalid did:web host in ${did}`);
  }
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) :
    host.split(':')[0];
  const scheme = LOCAL_HOSTS.has(hostname) ? 'http' : 'https';
  const path = segments.length ?
    '/' + segments.map(decodeURIComponent).join('/') + '/did.json' :
    '/.well-known/did.json';
  return `${scheme}://${host}${path}`;
}

// Verification methods may be referenced absolutely or relatively to the DID document.
function sameVm(ref, did, vmId) {
  const id = typeof ref === 'string' ? ref : ref?.id;
  if(typeof id !== 'string') {
    return false;
  }
  return id === vmId || (id.startsWith('#') && did + id === vmId);
}

export function findVerificationMethod(didDocument, vmId) {
  const did = didDocument.id;
  const candidates = [
    ...asArray(didDocument.verificationMethod),
    ...asArray(didDocument.assertionMethod).filter(vm => typeof vm === 'object')
  ];
  const vm = candidates.find(vm => sameVm(vm, did, vmId));
  return vm ? {...vm, id: vmId} : null;
}

export function isAssertionMethod(didDocument, vmId) {
  return asArray(didDocument.assertionMethod).some(
    ref => sameVm(ref, didDocument.id, vmId));
}

export function asArray(x) {
  if(x === undefined || x === null) {
    return [];
  }
  return Array.isArray(x) ? x : [x];
}

// Makes a verification method from a did:web document acceptable to the Multikey libraries
// and to jsonld-signatures' controller check: `@context` with the Multikey context, an
// absolute `id`, a `controller`.
function normalizeVm(vm, did) {
  const out = {...vm};
  if(out.type === 'Multikey') {
    const ctx = asArray(out['@context']);
    if(!ctx.includes(MULTIKEY_CONTEXT_URL)) {
      out['@context'] = ctx.length ? [...ctx, MULTIKEY_CONTEXT_URL] : MULTIKEY_CONTEXT_URL;
    }
  }
  if(typeof out.controller === 'string' && out.controller.startsWith('#')) {
    out.controller = did + out.controller;
  }
  if(!out.controller) {
    throw new LoaderError(
      'invalidVerificationMethod', `verification method ${out.id} has no controller`);
  }
  return out;
}

export function createDocumentLoader({allowHosts = [], fetchLog = []} = {}) {
  const allowed = new Set(allowHosts.map(h => h.toLowerCase()));
  const cache = new Map();

  function checkAllowed(url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new LoaderError('invalidUrl', `invalid URL: ${url}`);
    }
    if(!['http:', 'https:'].includes(parsed.protocol)) {
      throw new LoaderError('urlNotAllowed', `URL scheme not allowed: ${url}`);
    }
    if(!allowed.has(parsed.host.toLowerCase())) {
      throw new LoaderError(
        'hostNotAllowed',
        `host "${parsed.host}" is not allowed (pass --allow-host ${parsed.host}): ${url}`);
    }
    if(parsed.protocol === 'http:' && !LOCAL_HOSTS.has(parsed.hostname)) {
      throw new LoaderError('urlNotAllowed', `plain http only for localhost: ${url}`);
    }
    return parsed;
  }

  async function fetchJson(url) {
    if(cache.has(url)) {
      return cache.get(url);
    }
    checkAllowed(url);
    const started = Date.now();
    let response;
    try {
      response = await fetch(url, {
        redirect: 'error',
        headers: {accept: 'application/did+json, application/ld+json, application/json'},
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS)
      });
    } catch(e) {
      const reason = e.cause?.message ?? e.message;
      throw new LoaderError('fetchFailed', `fetching ${url} failed: ${reason}`);
    }
    const body = await response.text();
    fetchLog.push({url, status: response.status, ms: Date.now() - started});
    if(!response.ok) {
      throw new LoaderError('fetchFailed', `fetching ${url} returned HTTP ${response.status}`);
    }
    if(body.length > MAX_BYTES) {
      throw new LoaderError('fetchFailed', `${url} is larger than ${MAX_BYTES} bytes`);
    }
    let document;
    try {
      document = JSON.parse(body);
    } catch {
      throw new LoaderError('invalidJson', `${url} did not return JSON`);
    }
    cache.set(url, document);
    return document;
  }

  async function resolveDidWeb(did) {
    const document = await fetchJson(didWebUrl(did));
    if(document?.id !== did) {
      throw new LoaderError(
        'invalidDidDocument', `DID document id "${document?.id}" is not the DID "${did}"`);
    }
    return document;
  }

  // Resolves a DID (the document) or a DID URL with a fragment (the verification method).
  async function resolveDid(didUrl) {
    const [did, fragment] = didUrl.split('#', 2);
    if(did.startsWith('did:key:')) {
      let document;
      try {
        document = await didKeyDriver.get({url: didUrl});
      } catch(e) {
        throw new LoaderError('invalidDid', `cannot resolve ${didUrl}: ${e.message}`);
      }
      if(fragment !== undefined && document.id !== didUrl) {
        throw new LoaderError(
          'verificationMethodNotFound', `${didUrl} is not in the DID document of ${did}`);
      }
      return document;
    }
    if(!did.startsWith('did:web:')) {
      throw new LoaderError('unsupportedDidMethod', `unsupported DID method: ${didUrl}`);
    }
    const document = await resolveDidWeb(did);
    if(fragment === undefined) {
      return document;
    }
    const vm = findVerificationMethod(document, didUrl);
    if(!vm) {
      throw new LoaderError(
        'verificationMethodNotFound', `${didUrl} is not in the DID document of ${did}`);
    }
    return normalizeVm(vm, did);
  }

  async function documentLoader(url) {
    let document;
    if(CONTEXTS.has(url)) {
      document = CONTEXTS.get(url);
    } else if(url.startsWith('did:')) {
      document = await resolveDid(url);
    } else if(url.startsWith('http://') || url.startsWith('https://')) {
      document = await fetchJson(url);
    } else {
      throw new LoaderError('urlNotAllowed', `document loader refuses ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document};
  }

  return {documentLoader, resolveDid, fetchLog};
}
