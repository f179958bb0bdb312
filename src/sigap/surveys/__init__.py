"""Customer satisfaction surveys after a ticket is resolved (D15.11)."""
