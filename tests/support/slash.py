"""Send Baton one slash command, signed as Slack signs it, and print its answer.

    SLACK_SIGNING_SECRET=… python -m tests.support.slash /escalate "sev2 Payments API returns 500"

For trying Baton on one machine with the fake Slack of `python -m tests.support.fake_slack`
(the README's "Try it locally"): the command's `response_url` points at that fake.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from tests.support.signing import signed_headers, slash_command_form


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", help="/escalate, /blocker or /kpi")
    parser.add_argument("text", nargs="?", default="", help="what follows the command")
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="where Baton listens")
    parser.add_argument("--user", default="U0LOCAL", help="who types it")
    parser.add_argument("--channel", default="C0LOCAL", help="where it is typed")
    args = parser.parse_args()
    secret = os.environ.get("SLACK_SIGNING_SECRET")
    if not secret:
        print("slash: set SLACK_SIGNING_SECRET to Baton's", file=sys.stderr)
        return 2
    slack = os.environ.get("SLACK_API_URL", "http://127.0.0.1:8765/api/").removesuffix("/api/")
    body = slash_command_form(
        args.command,
        args.text,
        user=args.user,
        channel=args.channel,
        response_url=f"{slack}/respond/local",
        trigger_id="trigger.local",
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(secret, body)}
    request = urllib.request.Request(
        f"{args.url}/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        print(f"slash: Baton answered HTTP {error.code}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"slash: cannot reach Baton at {args.url} ({error})", file=sys.stderr)
        return 1
    try:
        print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))
    except ValueError:
        print(text or "(an empty 200: Baton acknowledged it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
