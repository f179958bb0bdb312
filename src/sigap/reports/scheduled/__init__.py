"""Scheduled reports: the board emailed to chosen roles, daily or monthly."""
