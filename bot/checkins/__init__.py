"""KPI check-ins: the numbers Slack cannot see, asked of the team's leads at each sprint's end."""
