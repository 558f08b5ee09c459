"""Workflow: SLA business calendars and due times (pure), later the complaint flow."""
