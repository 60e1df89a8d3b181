"""The registry of agent groups (core floor: state, metrics, technologies, rules)."""
