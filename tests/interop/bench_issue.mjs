#!/usr/bin/env node
// The reference for bench/issue.py: Digital Bazaar's in-process `vc.issue` of a credential
// with eddsa-rdfc-2022 (jsonld.js canonicalization, the bundled contexts of loader.mjs), as
// many times as fit in the given seconds after a warm-up, each time with a new `id` (so no
// result is reused; jsonld.js keeps its context cache, as a long-running issuer would).
//
// Usage: node bench_issue.mjs < JOB.json
//   JOB: {"credential": {...unsigned...}, "seconds": 5, "rounds": 3}
// Prints {"per_second": <best round>, "rounds": [...], "count": <issued in all>}.
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {createDocumentLoader} from './loader.mjs';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {randomUUID} from 'node:crypto';
import {readFileSync} from 'node:fs';

const job = JSON.parse(readFileSync(0, 'utf8'));
const keyPair = await Ed25519Multikey.generate({seed: new Uint8Array(32).fill(7)});
const did = `did:key:${keyPair.publicKeyMultibase}`;
keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
keyPair.controller = did;
const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022});
const {documentLoader} = createDocumentLoader();

async function issueOne() {
  const credential = {...structuredClone(job.credential), id: `urn:uuid:${randomUUID()}`};
  return vc.issue({credential, suite, documentLoader});
}

for(let i = 0; i < 20; i++) {
  await issueOne();
}
const seconds = job.seconds ?? 5;
const rounds = [];
let count = 20;
for(let r = 0; r < (job.rounds ?? 3); r++) {
  const started = process.hrtime.bigint();
  const stopAt = started + BigInt(Math.round(seconds * 1e9));
  let n = 0;
  while(process.hrtime.bigint() < stopAt) {
    await issueOne();
    n++;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  rounds.push(n / elapsed);
  count += n;
}
process.stdout.write(JSON.stringify({per_second: Math.max(...rounds), rounds, count}) + '\n');
