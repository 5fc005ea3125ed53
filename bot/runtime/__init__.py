"""What every flow and job runs on: services, the Slack client, replies, outbox, scheduler."""
