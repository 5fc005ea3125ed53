"""Serving many workspaces: the client id and secret instead of one bot token, each refusal in
one line naming the variable, and the partner's portfolio channel."""

from __future__ import annotations

import pytest

from bot.config.digest import PortfolioChannel
from bot.config.settings import load_settings
from bot.core.errors import ConfigError

SECRET = {"SLACK_SIGNING_SECRET": "secret"}
INSTALLS = SECRET | {"SLACK_CLIENT_ID": "1234567890.0987654321", "SLACK_CLIENT_SECRET": "s3"}


def test_a_client_id_and_secret_stand_in_for_the_bot_token() -> None:
    settings = load_settings(INSTALLS)
    assert settings.installs
    assert settings.slack_bot_token == ""
    assert settings.slack_client_id == "1234567890.0987654321"
    assert "s3" not in repr(settings)


def test_one_bot_token_serves_one_workspace_as_before() -> None:
    settings = load_settings(SECRET | {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert not settings.installs
    assert settings.slack_client_id is None


@pytest.mark.parametrize(
    ("env", "variable", "said"),
    [
        (INSTALLS | {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN", "leave it unset"),
        (SECRET | {"SLACK_CLIENT_ID": "1234567890.0987654321"}, "SLACK_CLIENT_SECRET", "required"),
        (SECRET | {"SLACK_CLIENT_SECRET": "s3"}, "SLACK_CLIENT_ID", "required"),
        (INSTALLS | {"SLACK_CLIENT_ID": "my-app"}, "SLACK_CLIENT_ID", "expected a client id"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET", "required"),
        (SECRET, "SLACK_BOT_TOKEN", "or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
    ],
)
def test_each_mistake_is_named_in_one_line(env: dict[str, str], variable: str, said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert raised.value.variable == variable
    assert said in raised.value.expected
    assert "\n" not in str(raised.value)


def test_the_portfolio_channel_names_a_workspace_and_one_of_its_channels() -> None:
    settings = load_settings(INSTALLS | {"BATON_PORTFOLIO_CHANNEL": " T0PARTNER:C0PORTFOLIO "})
    assert settings.digest.portfolio == PortfolioChannel("T0PARTNER", "C0PORTFOLIO")
    assert load_settings(INSTALLS).digest.portfolio is None


@pytest.mark.parametrize("raw", ["C0PORTFOLIO", "T0PARTNER", "T0PARTNER:U0SOMEONE", "x:y"])
def test_a_portfolio_channel_baton_cannot_read_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(INSTALLS | {"BATON_PORTFOLIO_CHANNEL": raw})
    assert raised.value.variable == "BATON_PORTFOLIO_CHANNEL"
    assert "T012AB3CD:C045EF6GH" in raised.value.expected
