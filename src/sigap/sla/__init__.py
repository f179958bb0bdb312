"""SLA: business calendars and clocks computed from the ticket event log (issue 6)."""
