"""A local stand-in for PagerDuty, Slack and GitHub: a world (``state``), its generator
(``org``) and the HTTPS server that serves it (``server.Sandbox``)."""
