"""Pure domain of issuance: the micro-credential model, building the VC document, securing it.

Filled in by the issuance issue; the package exists so the layer contract holds from day one.
"""

from issuer.data_integrity import add_proof
from issuer.errors import IssuerError, ProofCreationError
from issuer.sd_jwt import issue_sd_jwt, issue_sd_jwt_vc, sd_jwt_vc_claims
from issuer.status_list import bitstring_status_list_credential, permuted_index
from issuer.token_status_list import status_list_token

__all__ = [
    "IssuerError",
    "ProofCreationError",
    "add_proof",
    "bitstring_status_list_credential",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "permuted_index",
    "sd_jwt_vc_claims",
    "status_list_token",
]
