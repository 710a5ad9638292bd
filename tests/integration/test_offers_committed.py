"""OpenID4VCI on a real database with committed data: a pre-authorized code redeemed by many
wallets at the same moment gives one access token; the e-mail sender's offer."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, unquote, urlsplit

from app.container import Container
from app.services.issue_requests import IssueRequest
from app.services.openid4vci import PRE_AUTHORIZED_GRANT, OAuthError
from issuer.credential import Learner
from tests.support.services import setup_institution


def test_one_code_redeemed_at_once_by_many_gives_one_token(committed: Container) -> None:
    principal, achievement_id = setup_institution(committed)
    issued, _ = committed.issuance.issue(principal, IssueRequest(achievement_id, Learner("A", "B")))
    offer = committed.openid4vci.create_offer(principal, issued.id)
    offer_id = offer.credential_offer_uri.rsplit("/", 1)[1]
    document = committed.openid4vci.credential_offer("ts-lj", offer_id)
    code = document["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    tokens: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(6)

    def redeem() -> None:
        barrier.wait()
        try:
            answer = committed.openid4vci.token(
                "ts-lj", {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
            )
            tokens.append(answer["access_token"])
        except OAuthError as exc:
            refused.append(exc.error)

    threads = [threading.Thread(target=redeem) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 1, (tokens, refused)
    assert refused == ["invalid_grant"] * 5


def test_the_mail_sender_gets_an_offer_of_an_active_credential_only(
    committed: Container,
) -> None:
    principal, achievement_id = setup_institution(committed)
    issued, _ = committed.issuance.issue(principal, IssueRequest(achievement_id, Learner("A", "B")))
    with committed.uow() as uow:
        link = committed.openid4vci.for_mail(uow, issued.id)
        uow.commit()
    assert link is not None and link.startswith("openid-credential-offer://")
    [uri] = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    offer_id = unquote(uri).rsplit("/", 1)[1]
    assert committed.openid4vci.credential_offer("ts-lj", offer_id)["credential_issuer"]
    offer = committed.credentials.get(principal, issued.id).offer
    assert offer is not None and offer.source == "mail"
    committed.status.change(principal, issued.id, "revoke", None)
    with committed.uow() as uow:
        assert committed.openid4vci.for_mail(uow, issued.id) is None
        assert committed.openid4vci.for_mail(uow, "no-such-credential") is None
