"""Facebook page and Messenger: the Meta webhook in."""
