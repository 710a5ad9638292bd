"""Standalone verifier library: proofs, JWTs, DID resolution, status lists, completeness.

Filled in by the verifier issue; the package exists so the layer contract holds from day one.
"""

__all__: list[str] = []
