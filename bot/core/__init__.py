"""What every capability shares: errors, ids, durations, working time, Slack text, Block Kit."""
