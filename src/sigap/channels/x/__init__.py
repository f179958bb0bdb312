"""X (Twitter) Account Activity API: the CRC check and signed deliveries in."""
