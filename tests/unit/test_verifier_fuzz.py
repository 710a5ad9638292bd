"""Property-based tests of the verifier library (Hypothesis, derandomized and bounded):

- whatever it is given (random JSON, random text and bytes, JWS-shaped strings, credentials with
  random parts replaced), :func:`verifier.verify_credential` returns a result and never raises;
- a signed credential that verifies stops verifying under any mutation of what was signed: a
  value changed for another of its kind, a property removed or added, in the JSON-LD
  credential (Data Integrity) and in the payload or header of its vc+jwt.

Mutations change content, never only the JSON spelling of the same RDF (a string for a number
could be the same typed literal under a context's type coercion, and reordering or repeating
items of a set is the same graph): those are not mutations of a signed field.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.corpus import World, world

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEYS = [
    "@context", "@id", "@type", "@vocab", "id", "type", "issuer", "credentialSubject",
    "proof", "validFrom", "validUntil", "credentialStatus", "verificationMethod",
    "cryptosuite", "proofValue", "proofPurpose", "statusListCredential", "previousProof",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["https://www.w3.org/ns/credentials/v2", "did:key:z6Mk", "z1111", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
JWS_LIKE = st.from_regex(r"\A[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,120}\.[A-Za-z0-9_-]{0,90}\Z")


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a node of ``node`` (dict keys and list indexes), the root excluded."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def parent_and_key(document: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node, path[-1]


@st.composite
def mutated(draw: st.DrawFn, original: dict[str, Any]) -> dict[str, Any]:
    """``original`` with one change of content somewhere."""
    document = copy.deepcopy(original)
    path = draw(st.sampled_from(sorted(paths(document), key=repr)))
    parent, key = parent_and_key(document, path)
    value = parent[key]
    kinds = ["replace", "insert"]
    if isinstance(parent, dict) or (
        len(parent) > 1 and sum(item == value for item in parent) == 1
    ):  # removing one of two equal set members leaves the same graph
        kinds.append("remove")
    kind = draw(st.sampled_from(kinds))
    if kind == "remove":
        if value == []:  # an empty list says nothing: removing it changes nothing
            kind = "replace"
        else:
            del parent[key]
            return document
    if kind == "insert":
        target = value if isinstance(value, dict) else parent
        if isinstance(target, dict):
            name = draw(st.from_regex(r"\A[a-zA-Z]{1,10}\Z").filter(lambda n: n not in target))
            target[name] = draw(st.text(min_size=1, max_size=20))
            return document
        kind = "replace"
    if isinstance(value, bool):
        parent[key] = not value
    elif isinstance(value, int | float):
        parent[key] = draw(st.integers(-1000, 1000).filter(lambda n: n != value))
    elif isinstance(value, str):
        parent[key] = draw(st.text(max_size=40).filter(lambda t: t != value))
    elif isinstance(value, list):
        parent[key] = [*value, draw(st.text(min_size=1, max_size=20))]
    else:  # a node: one more property in it
        name = draw(st.from_regex(r"\A[a-zA-Z]{1,10}\Z").filter(lambda n: n not in value))
        value[name] = draw(st.text(min_size=1, max_size=20))
    return document


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def the_world() -> World:
    w = world()
    assert w.verify(w.valid["ed25519-di"]).verified  # what is mutated verifies unmutated
    assert w.verify(w.valid["ed25519-jwt"]).verified
    return w


@FUZZ
@given(value=JSON)
def test_any_json_is_answered_not_raised(value: Any) -> None:
    result = the_world().verify(value)
    assert not result.verified
    assert result.checks and result.checks[0].name == "format"


@FUZZ
@given(value=st.text(max_size=200) | st.binary(max_size=200) | JWS_LIKE)
def test_any_text_is_answered_not_raised(value: str | bytes) -> None:
    assert not the_world().verify(value).verified


@FUZZ
@given(data=st.data())
def test_random_parts_in_a_valid_credential_are_answered_not_raised(data: st.DataObject) -> None:
    w = the_world()
    document = copy.deepcopy(w.valid["ed25519-di"])
    path = data.draw(st.sampled_from(sorted(paths(document), key=repr)))
    parent, key = parent_and_key(document, path)
    parent[key] = data.draw(JSON)
    w.verify(document)  # any verdict, but an answer


@FUZZ
@given(data=st.data())
def test_no_mutation_of_a_signed_json_ld_credential_verifies(data: st.DataObject) -> None:
    w = the_world()
    document = data.draw(mutated(w.valid["ed25519-di"]))
    result = w.verify(document)
    assert not result.verified, json.dumps(document, ensure_ascii=False)[:2000]


@FUZZ
@given(data=st.data())
def test_no_mutation_of_a_vc_jwt_payload_or_header_verifies(data: st.DataObject) -> None:
    w = the_world()
    header, payload, signature = w.valid["ed25519-jwt"].split(".")
    which = data.draw(st.sampled_from(["payload", "header"]))
    if which == "payload":
        payload = b64url(json.dumps(data.draw(mutated(b64url_json(payload)))).encode())
    else:
        header = b64url(json.dumps(data.draw(mutated(b64url_json(header)))).encode())
    token = f"{header}.{payload}.{signature}"
    assert not w.verify(token).verified, token[:400]
