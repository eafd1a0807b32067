"""Statistics the bureau publishes: cases, decisions, fines, waivers, daily penalties."""
