"""Every write of the surveys app, one module per feature: ``instruments`` (instruments,
versions, questions, publishing), ``waves`` (distribution to a sample), ``invitations``
(creating, sending, reminding; CSAT after resolution), ``responses`` (answering), ``policy``
(the CSAT policy). Each takes ``actor=`` where a person acts and runs in a transaction."""
