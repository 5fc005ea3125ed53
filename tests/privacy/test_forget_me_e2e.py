"""`/kpi forget-me`: a confirmation first, then the person is forgotten and told so."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.ids import PrivacyView
from storage.models import Escalation
from tests.support.harness import Baton


def test_forget_me_asks_first_then_forgets_only_who_confirmed(baton: Baton) -> None:
    baton.command("/escalate", "sev2 <@UOWNER> Checkout is slow", user="UREPORTER")
    baton.settle()
    answer = baton.command("/kpi", "forget-me", user="UREPORTER")
    assert answer.status_code == 200
    [opened] = baton.fake_slack.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == PrivacyView.FORGET_ME
    assert view["submit"]["text"] == "Forget me"
    assert "cannot be undone" in view["blocks"][0]["text"]["text"]
    # Opening the form changed nothing.
    with baton.db.reading() as session:
        assert session.scalar(select(Escalation.reporter_id)) == "UREPORTER"

    done = baton.view_submission(PrivacyView.FORGET_ME, {}, user="UREPORTER").json()
    with baton.db.reading() as session:
        reporter, owner = session.execute(select(Escalation.reporter_id, Escalation.owner_id)).one()
    assert reporter.startswith("forgotten-") and owner == "UOWNER"
    assert done["response_action"] == "update"
    text = done["view"]["blocks"][0]["text"]["text"]
    assert text.startswith(f"Done: you are `{reporter}` in ")

    again = baton.view_submission(PrivacyView.FORGET_ME, {}, user="UREPORTER").json()
    assert again["view"]["blocks"][0]["text"]["text"] == (
        "Baton keeps nothing that names you: nothing changed."
    )
