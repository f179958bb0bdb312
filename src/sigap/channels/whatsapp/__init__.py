"""WhatsApp Cloud API: the webhook in, the Graph API client out."""
