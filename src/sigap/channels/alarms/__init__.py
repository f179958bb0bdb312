"""Pro-active alarms (D11): Alertmanager and plain JSON alarms become validated fault tickets."""
