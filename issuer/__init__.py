"""Pure domain of issuance: the micro-credential model, building the VC document, securing it.

Filled in by the issuance issue; the package exists so the layer contract holds from day one.
"""

__all__: list[str] = []
