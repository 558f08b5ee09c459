"""Every write of the workflow features: one module per feature (sla, handoff, complaint,
recovery, alerts, automation); each function takes ``actor=`` and runs in a transaction."""
