"""Voice: CTI events from the PBX/ACD become interactions; ACD interval reports."""
