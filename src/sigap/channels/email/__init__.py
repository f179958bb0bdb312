"""Email desk (EMS, seed 001): mailboxes, fetching, threading, answering."""
