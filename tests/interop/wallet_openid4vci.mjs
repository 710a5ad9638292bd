// A wallet built on OpenWallet Foundation's @openid4vc/openid4vci client: it takes a credential
// offer (an openid-credential-offer:// URL), runs the pre-authorized code flow against the
// issuer, and asks for each credential configuration named on the command line with a fresh
// holder key proof. Prints JSON: {holder_jwk, credentials: {<configuration id>: <credential>}}
// or {error, detail}. Nothing here comes from microcred.
//
//   node wallet_openid4vci.mjs <offer-url> [--tx-code 123456] [--alg EdDSA|ES256] <config-id>...
import crypto from 'node:crypto';
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';
import * as jose from 'jose';

// The test server speaks plain HTTP on 127.0.0.1; the library wants https:// by default.
setGlobalConfig({allowInsecureUrls: true});

const args = process.argv.slice(2);
const offerUrl = args.shift();
let txCode;
let alg = 'EdDSA';
const configurations = [];
while(args.length) {
  const arg = args.shift();
  if(arg === '--tx-code') {
    txCode = args.shift();
  } else if(arg === '--alg') {
    alg = args.shift();
  } else {
    configurations.push(arg);
  }
}

const {publicKey, privateKey} = await jose.generateKeyPair(alg, {extractable: true});
const publicJwk = await jose.exportJWK(publicKey);
// did:jwk (did:jwk method, section 2.1): the wallet's JWK as JSON, base64url-encoded.
const holderDid = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`;

const callbacks = {
  fetch: (...a) => fetch(...a),
  generateRandom: n => crypto.randomBytes(n),
  hash: (data, algorithm) => crypto.createHash(algorithm.replace('-', '').toLowerCase())
    .update(data).digest(),
  signJwt: async (signer, {header, payload}) => {
    const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey);
    return {jwt, signerJwk: publicJwk};
  },
  clientAuthentication: () => {},
};

try {
  const client = new Openid4vciClient({callbacks});
  const credentialOffer = await client.resolveCredentialOffer(offerUrl);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode
  });
  const credentials = {};
  for(const credentialConfigurationId of configurations) {
    const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
    // Bound to a DID where the configuration binds to DIDs (the wallet's did:jwk), else to
    // the bare key (SD-JWT VC's cnf).
    const configuration =
      issuerMetadata.credentialIssuer.credential_configurations_supported[
        credentialConfigurationId];
    const methods = configuration.cryptographic_binding_methods_supported ?? [];
    const signer = methods.includes('did:jwk') ?
      {method: 'did', didUrl: `${holderDid}#0`, alg} : {method: 'jwk', alg, publicJwk};
    const {jwt} = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId,
      nonce,
      signer,
    });
    const {credentialResponse} = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      credentialConfigurationId,
      proofs: {jwt: [jwt]},
    });
    credentials[credentialConfigurationId] = credentialResponse.credentials[0].credential;
  }
  console.log(JSON.stringify({
    holder_jwk: publicJwk,
    holder_did: holderDid,
    offered: credentialOffer.credential_configuration_ids,
    version: issuerMetadata.originalDraftVersion,
    credentials,
  }));
} catch(e) {
  console.log(JSON.stringify({
    error: e.constructor?.name ?? 'Error',
    detail: String(e.message ?? e),
    response: e.responseText ?? e.errorResponse ?? undefined,
  }));
  process.exitCode = 1;
}
