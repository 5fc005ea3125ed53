"""Block Kit for a workspace's settings: the form, what saving it changed, the App Home part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.config.workspace import BY_NAME, GROUPS
from bot.core.blocks import (
    Block,
    button,
    context,
    echo,
    modal,
    plain,
    section,
    slack_date,
    text_input,
    user,
)
from bot.core.ids import SettingsAction, SettingsView
from bot.settings.rules import Change, HomePart

TITLE = "Baton settings"
# A value is shown whole up to this many characters (a list of leads can be long).
_SHOWN = 120


def _value(value: str | None) -> str:
    return "_the environment's_" if value is None else f"`{echo(value, _SHOWN)}`"


def environment_hint(name: str, environment: str | None) -> str:
    """What the environment gives `name`: its value, or what leaving it unset means."""
    if environment is None:
        return f"Environment: not set ({BY_NAME[name].unset})."
    return f"Environment: {environment}"


def build_form(
    current: Mapping[str, str | None], environment: Mapping[str, str | None]
) -> dict[str, Any]:
    """The form: one input per variable, holding the workspace's value, hinted with the
    environment's."""
    blocks: list[Block] = [
        context(
            "Each value is written as its environment variable is (see Baton's README). "
            "Empty a field to go back to the environment's value. Changes take effect within "
            "seconds."
        )
    ]
    for group, variables in GROUPS:
        blocks.append({"type": "header", "text": plain(group)})
        for variable in variables:
            blocks.append(
                text_input(
                    variable.name,
                    f"{variable.label} ({variable.name})",
                    optional=True,
                    max_length=2000,
                    placeholder=f"e.g. {variable.example}",
                    initial=current.get(variable.name),
                    hint=environment_hint(variable.name, environment.get(variable.name)),
                )
            )
    return modal(SettingsView.SUBMIT, TITLE, blocks, submit="Save")


def _change_line(change: Change, *, who: bool) -> str:
    label = BY_NAME[change.name].label if change.name in BY_NAME else change.name
    line = f"*{label}* (`{change.name}`): {_value(change.old)} → {_value(change.new)}"
    if who:
        line = f"{slack_date(change.at)} · {user(change.by)} · {line}"
    return line


def saved_text(changes: Sequence[Change]) -> str:
    """What the admin reads once the form is saved: each change, or that there was none."""
    if not changes:
        return "Nothing changed: every value is as it was."
    lines = "\n".join(f"• {_change_line(change, who=False)}" for change in changes)
    return (
        f":white_check_mark: Saved for this workspace; Baton uses it within seconds.\n{lines}\n"
        "The App Home shows the last changes, with who made them."
    )


def build_home_part(part: HomePart) -> list[Block]:
    """The App Home's part for an admin: the values the workspace set itself, its last
    changes, and the button to the form."""
    own, changes = part.own, part.changes
    blocks: list[Block] = [{"type": "header", "text": plain("Workspace settings")}]
    if own:
        lines = [
            f"• *{BY_NAME[name].label}* (`{name}`): {_value(value)} "
            f"(environment: {_value(environment) if environment else 'not set'})"
            for name, value, environment in own
        ]
        blocks.append(section("*Set for this workspace*\n" + "\n".join(lines)))
    else:
        blocks.append(section("All from the environment: this workspace set nothing of its own."))
    if changes:
        history = "\n".join(f"• {_change_line(change, who=True)}" for change in changes)
        blocks.append(section("*Last changes*\n" + history))
    else:
        blocks.append(context("No change made in Slack yet."))
    blocks.append(
        {
            "type": "actions",
            "elements": [button("Change settings", SettingsAction.OPEN, "open")],
        }
    )
    return blocks
