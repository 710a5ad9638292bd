// Canonicalizes JSON-LD documents with jsonld.js (Digital Bazaar's `jsonld` and
// `rdf-canonize`), exactly as @digitalbazaar/eddsa-rdfc-2022-cryptosuite does (RDFC-1.0, no
// base, safe mode, rdfDirection i18n-datatype), with the contexts bundled in loader.mjs.
//
// stdin: a JSON array of documents; stdout: a JSON array of {"nquads": ...} or
// {"error": "<name>: <message>"}, in order.
import jsonld from 'jsonld';
import {CONTEXTS} from './loader.mjs';

async function documentLoader(url) {
  const document = CONTEXTS.get(url);
  if(!document) {
    throw new Error(`unknown context ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const documents = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for(const document of documents) {
  try {
    const nquads = await jsonld.canonize(document, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', base: null, safe: true,
      rdfDirection: 'i18n-datatype', documentLoader
    });
    results.push({nquads});
  } catch(e) {
    results.push({error: `${e.name}: ${e.message}`});
  }
}
process.stdout.write(JSON.stringify(results));
