"""Routing: queues and skills, agent presence, assignment (issue 5; presence so far)."""
